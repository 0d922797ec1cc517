// Reference implementation of thuiswerk.builders.build_ordinal (cumulative
// logit over the items of a 1..K scale, item-specific cut points built as the
// first one plus positive gaps; adjustment covariates with one slope for all
// aspects; exposure terms with an aspect-specific slope, partially pooled over
// the aspects around the term's mean with a spread per exposure, the terms' means
// around the exposure's with one role spread). Same
// likelihood and priors, written independently; indices 1-based; priors are
// data.
data {
  int<lower=1> N;                                   // observed (employee, aspect) cells
  int<lower=1> N_emp;
  int<lower=1> N_est;
  int<lower=2> N_sector;
  int<lower=2> N_size;
  int<lower=1> N_aspect;
  int<lower=3> K;                                   // categories per item
  int<lower=0> P;                                   // adjustment covariates
  int<lower=0> T;                                   // exposure terms (an exposure for one role)
  int<lower=0> E;                                   // exposures
  array[N] int<lower=1, upper=K> y;
  array[N] int<lower=1, upper=N_emp> employee;
  array[N] int<lower=1, upper=N_aspect> aspect;
  matrix[N_emp, P] X;
  matrix[N_emp, T] Z;                               // exposure value, 0 for employees of another role
  array[T] int<lower=1, upper=E> term_exposure;     // the exposure of each term
  array[N_emp] int<lower=1, upper=N_est> est_of_emp;
  array[N_est] int<lower=1, upper=N_sector> sector_of_est;
  array[N_est] int<lower=1, upper=N_size> size_of_est;
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
  real cut_first_mu;
  real<lower=0> cut_first_sd;
  real gap_log_mu;
  real<lower=0> gap_log_sd;
}
parameters {
  vector[P] beta;
  vector[E] exposure_mean;                          // [exposure]
  real<lower=0> role_sd;
  vector[T] z_role;                                 // [term]
  vector<lower=0>[E] slope_spread;                  // [exposure]
  matrix[N_aspect, T] z_slope;                      // [aspect, term]
  real<lower=0> sigma_total;
  real<lower=0, upper=1> rho;
  vector[N_est] z_establishment;
  vector[N_emp] z_employee;
  sum_to_zero_vector[N_sector] b_sector;
  sum_to_zero_vector[N_size] b_size_class;
  vector[N_aspect] cut_first;
  array[N_aspect] vector<lower=0>[K - 2] cut_gaps;
}
transformed parameters {
  real sigma_establishment = sigma_total * sqrt(rho);
  real sigma_employee = sigma_total * sqrt(1 - rho);
  vector[T] slope_mean = exposure_mean[term_exposure] + shared .* (role_sd * z_role);  // [term]
  matrix[N_aspect, T] slope;                        // [aspect, term]
  for (t in 1:T)
    slope[:, t] = slope_mean[t] + slope_spread[term_exposure[t]] * z_slope[:, t];
}
model {
  vector[N_est] est = sigma_establishment * z_establishment
                      + b_sector[sector_of_est] + b_size_class[size_of_est];
  vector[N_emp] common = X * beta + est[est_of_emp] + sigma_employee * z_employee;
  matrix[N_emp, N_aspect] exposure = Z * slope';    // [employee, aspect]
  vector[N] eta;
  array[N_aspect] vector[K - 1] cuts;
  for (n in 1:N) eta[n] = common[employee[n]] + exposure[employee[n], aspect[n]];
  for (a in 1:N_aspect) cuts[a] = append_row(cut_first[a], cut_first[a] + cumulative_sum(cut_gaps[a]));
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
  cut_first ~ normal(cut_first_mu, cut_first_sd);
  for (a in 1:N_aspect) cut_gaps[a] ~ lognormal(gap_log_mu, gap_log_sd);
  y ~ ordered_logistic(eta, cuts[aspect]);
}
generated quantities {
  array[N_aspect] vector[K - 1] cutpoints;
  for (a in 1:N_aspect) cutpoints[a] = append_row(cut_first[a], cut_first[a] + cumulative_sum(cut_gaps[a]));
}
