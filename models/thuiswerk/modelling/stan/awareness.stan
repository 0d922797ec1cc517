// Reference implementation of thuiswerk.builders.build_awareness: the same
// likelihood and priors, written independently, for the benchmark and the
// Stan-agreement test. Indices are 1-based; priors are data (a prior change
// needs no recompilation).
data {
  int<lower=1> N;                                   // observed (employee, measure) cells
  int<lower=1> N_emp;
  int<lower=1> N_est;
  int<lower=2> N_sector;
  int<lower=2> N_size;
  int<lower=1> N_measure;
  array[N] int<lower=0, upper=1> y;                 // employee knows the measure
  array[N] int<lower=1, upper=N_emp> employee;
  array[N] int<lower=1, upper=N_measure> measure;
  array[N] int<lower=1, upper=2> role;              // 1 leidinggevende, 2 niet-leidinggevende
  array[N] int<lower=1, upper=2> reported;          // 1 nee, 2 ja (employer reports it)
  array[N_emp] int<lower=1, upper=N_est> est_of_emp;
  array[N_est] int<lower=1, upper=N_sector> sector_of_est;
  array[N_est] int<lower=1, upper=N_size> size_of_est;
  real<lower=0> mu_sd;
  real<lower=0> tau_sd;
  real<lower=0> sigma_total_sd;
  real<lower=0> rho_alpha;
  real<lower=0> rho_beta;
  real<lower=0> group_sd;
}
parameters {
  matrix[2, 2] mu;                                  // [role, reported]
  matrix<lower=0>[2, 2] tau;
  array[N_measure] matrix[2, 2] z_measure;
  real<lower=0> sigma_total;
  real<lower=0, upper=1> rho;
  vector[N_est] z_establishment;
  vector[N_emp] z_employee;
  sum_to_zero_vector[N_sector] b_sector;
  sum_to_zero_vector[N_size] b_size_class;
}
transformed parameters {
  real sigma_establishment = sigma_total * sqrt(rho);
  real sigma_employee = sigma_total * sqrt(1 - rho);
}
model {
  vector[N_est] est = sigma_establishment * z_establishment
                      + b_sector[sector_of_est] + b_size_class[size_of_est];
  vector[N_emp] person = est[est_of_emp] + sigma_employee * z_employee;
  vector[N] logit_p;
  for (n in 1:N) {
    int r = role[n];
    int s = reported[n];
    logit_p[n] = mu[r, s] + tau[r, s] * z_measure[measure[n], r, s] + person[employee[n]];
  }
  to_vector(mu) ~ normal(0, mu_sd);
  to_vector(tau) ~ normal(0, tau_sd);
  for (m in 1:N_measure) to_vector(z_measure[m]) ~ std_normal();
  sigma_total ~ normal(0, sigma_total_sd);
  rho ~ beta(rho_alpha, rho_beta);
  z_establishment ~ std_normal();
  z_employee ~ std_normal();
  b_sector ~ normal(0, group_sd);
  b_size_class ~ normal(0, group_sd);
  y ~ bernoulli_logit(logit_p);
}
generated quantities {
  array[N_measure] matrix[2, 2] alpha;              // [measure][role, reported]
  for (m in 1:N_measure) alpha[m] = mu + tau .* z_measure[m];
}
