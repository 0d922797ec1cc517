"""One run configuration: which survey, mapping, fits folder, seed and prior overrides.

Resolved once per command, from the command's options, else the
``THUISWERK_*`` environment variables, else the defaults, and then used by
every step: validating, fitting, checking, comparing, the findings, the
report's chapters (through the same variables, which :meth:`RunConfig.environment`
sets for Quarto) and every hint the CLI prints, which repeats exactly the
options the user gave (:meth:`RunConfig.command`), so following a hint never
writes into another folder or reads other data.

=====================  ====================  =========================
option                 variable              default
=====================  ====================  =========================
``--data``             ``THUISWERK_DATA``    ``data/synthetic``
``--mapping``          ``THUISWERK_MAPPING`` none (codebook names)
``--fits``             ``THUISWERK_FITS``    ``data/fits``
``--seed``             ``THUISWERK_SEED``    the project's seed (2022)
``--config``           ``THUISWERK_CONFIG``  none (default priors)
=====================  ====================  =========================

Paths are kept as given (relative to the current folder);
:meth:`RunConfig.environment` makes them absolute for another process. The
report's context resolves a relative path against the repository root, where
Quarto runs the chapters.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path("data/synthetic")
DEFAULT_FITS = Path("data/fits")
DEFAULT_SEED = 2022
VARIABLES = {
    "data": "THUISWERK_DATA",
    "mapping": "THUISWERK_MAPPING",
    "fits": "THUISWERK_FITS",
    "seed": "THUISWERK_SEED",
    "config": "THUISWERK_CONFIG",
}


@dataclass(frozen=True)
class RunConfig:
    data: Path = DEFAULT_DATA
    fits: Path = DEFAULT_FITS
    seed: int = DEFAULT_SEED
    mapping: Path | None = None
    config: Path | None = None

    @classmethod
    def resolve(
        cls,
        data: Path | str | None = None,
        fits: Path | str | None = None,
        seed: int | str | None = None,
        mapping: Path | str | None = None,
        config: Path | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> RunConfig:
        """Options first, then the environment, then the defaults.

        Raises ``ValueError`` for a seed that is not a whole number.
        """
        env = os.environ if environ is None else environ

        def pick(value, name):
            if value is not None and value != "":
                return value
            return env.get(VARIABLES[name]) or None

        seed_value = pick(seed, "seed")
        try:
            seed_int = DEFAULT_SEED if seed_value is None else int(seed_value)
        except ValueError:
            raise ValueError(f"seed must be a whole number, not {seed_value!r} ({VARIABLES['seed']})") from None
        mapping_value, config_value = pick(mapping, "mapping"), pick(config, "config")
        return cls(
            data=Path(pick(data, "data") or DEFAULT_DATA),
            fits=Path(pick(fits, "fits") or DEFAULT_FITS),
            seed=seed_int,
            mapping=Path(mapping_value) if mapping_value else None,
            config=Path(config_value) if config_value else None,
        )

    def options(self, *, seed: bool = True) -> list[str]:
        """The command-line options that reproduce this configuration (defaults left out)."""
        out: list[str] = []
        if self.data != DEFAULT_DATA:
            out += ["--data", str(self.data)]
        if self.mapping is not None:
            out += ["--mapping", str(self.mapping)]
        if self.fits != DEFAULT_FITS:
            out += ["--fits", str(self.fits)]
        if seed and self.seed != DEFAULT_SEED:
            out += ["--seed", str(self.seed)]
        if self.config is not None:
            out += ["--config", str(self.config)]
        return out

    def command(self, name: str, *args: str, seed: bool = True) -> str:
        """``thuiswerk NAME ARGS`` with the options of this configuration, quoted for a shell."""
        return shlex.join(["thuiswerk", name, *args, *self.options(seed=seed)])

    def environment(self) -> dict[str, str]:
        """The ``THUISWERK_*`` variables that give this configuration to another process (absolute paths)."""
        return {
            VARIABLES["data"]: str(self.data.resolve()),
            VARIABLES["fits"]: str(self.fits.resolve()),
            VARIABLES["seed"]: str(self.seed),
            VARIABLES["mapping"]: str(self.mapping.resolve()) if self.mapping else "",
            VARIABLES["config"]: str(self.config.resolve()) if self.config else "",
        }
