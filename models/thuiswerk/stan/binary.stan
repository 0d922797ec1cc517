// Reference implementation of thuiswerk.builders.build_binary (logit over body
// regions: region x role intercepts, region-specific slopes, employee and
// establishment intercepts). Same likelihood and priors, written
// independently; indices 1-based; priors are data.
data {
  int<lower=1> N;                                   // observed (employee, region) cells
  int<lower=1> N_emp;
  int<lower=1> N_est;
  int<lower=2> N_sector;
  int<lower=2> N_size;
  int<lower=1> N_region;
  int<lower=0> P;
  array[N] int<lower=0, upper=1> y;
  array[N] int<lower=1, upper=N_emp> employee;
  array[N] int<lower=1, upper=N_region> region;
  matrix[N_emp, P] X;
  array[N_emp] int<lower=1, upper=2> role_of_emp;
  array[N_emp] int<lower=1, upper=N_est> est_of_emp;
  array[N_est] int<lower=1, upper=N_sector> sector_of_est;
  array[N_est] int<lower=1, upper=N_size> size_of_est;
  real intercept_mu;
  real<lower=0> intercept_sd;
  real<lower=0> beta_sd;
  real<lower=0> sigma_total_sd;
  real<lower=0> rho_alpha;
  real<lower=0> rho_beta;
  real<lower=0> group_sd;
}
parameters {
  matrix[N_region, 2] intercept;                    // [region, role]
  matrix[N_region, P] beta;                         // [region, predictor]
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
  matrix[N_emp, N_region] slopes = X * beta';
  vector[N] logit_p;
  for (n in 1:N) {
    int i = employee[n];
    logit_p[n] = intercept[region[n], role_of_emp[i]] + slopes[i, region[n]] + person[i];
  }
  to_vector(intercept) ~ normal(intercept_mu, intercept_sd);
  to_vector(beta) ~ normal(0, beta_sd);
  sigma_total ~ normal(0, sigma_total_sd);
  rho ~ beta(rho_alpha, rho_beta);
  z_establishment ~ std_normal();
  z_employee ~ std_normal();
  b_sector ~ normal(0, group_sd);
  b_size_class ~ normal(0, group_sd);
  y ~ bernoulli_logit(logit_p);
}
