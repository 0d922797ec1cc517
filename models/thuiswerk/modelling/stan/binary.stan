// Reference implementation of thuiswerk.builders.build_binary (logit over body
// regions: region x role intercepts, adjustment covariates with one slope for
// all regions, exposure terms with a region-specific slope partially pooled
// over the regions around the term's mean with a spread per exposure, the
// terms' means around the exposure's with one role spread; employee and
// establishment intercepts). Same likelihood and priors, written
// independently; indices 1-based; priors are data.
data {
  int<lower=1> N;                                   // observed (employee, region) cells
  int<lower=1> N_emp;
  int<lower=1> N_est;
  int<lower=2> N_sector;
  int<lower=2> N_size;
  int<lower=1> N_region;
  int<lower=0> P;                                   // adjustment covariates
  int<lower=0> T;                                   // exposure terms (an exposure for one role)
  int<lower=0> E;                                   // exposures
  array[N] int<lower=0, upper=1> y;
  array[N] int<lower=1, upper=N_emp> employee;
  array[N] int<lower=1, upper=N_region> region;
  matrix[N_emp, P] X;
  matrix[N_emp, T] Z;                               // exposure value, 0 for employees of another role
  array[T] int<lower=1, upper=E> term_exposure;     // the exposure of each term
  array[N_emp] int<lower=1, upper=2> role_of_emp;
  array[N_emp] int<lower=1, upper=N_est> est_of_emp;
  array[N_est] int<lower=1, upper=N_sector> sector_of_est;
  array[N_est] int<lower=1, upper=N_size> size_of_est;
  real intercept_mu;
  real<lower=0> intercept_sd;
  real<lower=0> beta_sd;
  real<lower=0> slope_sd;
  real<lower=0> role_scale;
  real<lower=0> role_log_sd;
  real<lower=0> item_scale;
  real<lower=0> item_log_sd;
  vector<lower=0, upper=1>[T] shared;               // 1 where the term's exposure has a slope for both roles
  real<lower=0> sigma_total_sd;
  real<lower=0> rho_alpha;
  real<lower=0> rho_beta;
  real<lower=0> group_sd;
}
parameters {
  matrix[N_region, 2] intercept;                    // [region, role]
  vector[P] beta;                                   // [predictor], common to all regions
  vector[E] exposure_mean;                          // [exposure]
  real<lower=0> role_sd;
  vector[T] z_role;                                 // [term]
  vector<lower=0>[E] slope_spread;                  // [exposure]
  matrix[N_region, T] z_slope;                      // [region, term]
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
  vector[T] slope_mean = exposure_mean[term_exposure] + shared .* (role_sd * z_role);  // [term]
  matrix[N_region, T] slope;                        // [region, term]
  for (t in 1:T)
    slope[:, t] = slope_mean[t] + slope_spread[term_exposure[t]] * z_slope[:, t];
}
model {
  vector[N_est] est = sigma_establishment * z_establishment
                      + b_sector[sector_of_est] + b_size_class[size_of_est];
  vector[N_emp] person = X * beta + est[est_of_emp] + sigma_employee * z_employee;
  matrix[N_emp, N_region] exposure = Z * slope';    // [employee, region]
  vector[N] logit_p;
  for (n in 1:N) {
    int i = employee[n];
    logit_p[n] = intercept[region[n], role_of_emp[i]] + exposure[i, region[n]] + person[i];
  }
  to_vector(intercept) ~ normal(intercept_mu, intercept_sd);
  beta ~ normal(0, beta_sd);
  exposure_mean ~ normal(0, slope_sd);
  role_sd ~ lognormal(log(role_scale), role_log_sd);
  z_role ~ std_normal();
  slope_spread ~ lognormal(log(item_scale), item_log_sd);
  to_vector(z_slope) ~ std_normal();
  sigma_total ~ normal(0, sigma_total_sd);
  rho ~ beta(rho_alpha, rho_beta);
  z_establishment ~ std_normal();
  z_employee ~ std_normal();
  b_sector ~ normal(0, group_sd);
  b_size_class ~ normal(0, group_sd);
  y ~ bernoulli_logit(logit_p);
}
