# Reference values for tests/survey/test_r_features_s4.py (issue 18, "R's remaining everyday
# features"), from R's own example data sets of library(survey): api, nhanes, election.
#
# Run from the repository root:
#   Rscript tests/survey/r/make_references_s4.R [OUTDIR]
# It writes the data sets it uses as CSV files (apistrat_s4.csv, apiclus1_s4.csv, nhanes_s4.csv,
# election_pps_s4.csv, election_jointprob_s4.csv, apipop_types_s4.csv) and references_s4.tsv.
# OUTDIR defaults to tests/survey/data (the committed copies); the test marked `r` runs it into a
# temporary directory and compares.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else file.path("tests", "survey", "data")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

data(api)
data(nhanes)
data(election)
# Two derived columns, so that the Python side reads them as they are:
#   band: a class of acs.k3 with NA where acs.k3 is NA (a `by` column with missing values);
#   yes:  sch.wide == "Yes" as 0/1 (for svyciprop and the logistic svyglm).
apistrat$band <- as.character(cut(apistrat$acs.k3, c(0, 18, 20, Inf)))
apistrat$yes <- as.numeric(apistrat$sch.wide == "Yes")
apiclus1$yes <- as.numeric(apiclus1$sch.wide == "Yes")
keep_strat <- c("cds", "stype", "pw", "fpc", "api00", "api99", "ell", "meals", "mobility", "enroll",
                "acs.k3", "acs.46", "band", "yes", "sch.wide")
keep_clus <- c("cds", "dnum", "stype", "pw", "fpc", "api00", "api99", "ell", "meals", "mobility",
               "enroll", "yes", "sch.wide", "acs.46")
write.csv(apistrat[, keep_strat], file.path(outdir, "apistrat_s4.csv"), row.names = FALSE)
write.csv(apiclus1[, keep_clus], file.path(outdir, "apiclus1_s4.csv"), row.names = FALSE)
write.csv(nhanes, file.path(outdir, "nhanes_s4.csv"), row.names = FALSE)
write.csv(election_pps, file.path(outdir, "election_pps_s4.csv"), row.names = FALSE)
write.csv(election_jointprob, file.path(outdir, "election_jointprob_s4.csv"), row.names = FALSE)
pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_two <- as.data.frame(xtabs(~ stype + sch.wide, data = apipop))
write.csv(pop_two, file.path(outdir, "apipop_types_s4.csv"), row.names = FALSE)

ref <- list()
put <- function(name, x) ref[[name]] <<- unname(as.vector(unclass(x)))
est <- function(name, s) { put(paste0(name, "_est"), coef(s)); put(paste0(name, "_se"), SE(s)) }

dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dnh <- svydesign(id = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR, nest = TRUE, data = nhanes)

# 1. na.rm: rows with NA in the variable leave the estimate as a domain (R's subset()).
est("nhanes_mean_hichol", svymean(~HI_CHOL, dnh, na.rm = TRUE))
est("nhanes_total_hichol", svytotal(~HI_CHOL, dnh, na.rm = TRUE))
est("nhanes_by_race_mean_hichol", svyby(~HI_CHOL, ~race, dnh, svymean, na.rm = TRUE))
est("nhanes_by_race_total_hichol", svyby(~HI_CHOL, ~race, dnh, svytotal, na.rm = TRUE))
est("apistrat_mean_acsk3", svymean(~acs.k3, dstrat, na.rm = TRUE))
est("apistrat_total_acs46", svytotal(~acs.46, dstrat, na.rm = TRUE))
r <- svyratio(~acs.k3, ~acs.46, dstrat, na.rm = TRUE)
put("apistrat_ratio_k3_46_est", coef(r)); put("apistrat_ratio_k3_46_se", SE(r))
est("apiclus1_mean_acs46", svymean(~acs.46, dclus1, na.rm = TRUE))
est("apistrat_mean_band", svymean(~band, dstrat, na.rm = TRUE))  # proportions of a factor with NA
# NA in a by column: svyby drops that group.
est("apistrat_by_band_mean_api00", svyby(~api00, ~band, dstrat, svymean))
est("apistrat_by_band_mean_acs46", svyby(~acs.46, ~band, dstrat, svymean, na.rm = TRUE))

# 2. svyciprop methods.
for (m in c("logit", "likelihood", "asin", "beta", "mean", "xlogit")) {
  for (d in c("dstrat", "dclus1")) {
    ci <- svyciprop(~yes, get(d), method = m)
    put(paste0("ciprop_", d, "_", m), c(coef(ci), SE(ci), attr(ci, "ci")))
  }
  ci <- svyciprop(~HI_CHOL, dnh, method = m, na.rm = TRUE)
  put(paste0("ciprop_nhanes_", m), c(coef(ci), SE(ci), attr(ci, "ci")))
}

# svyciprop by domains (svyby(..., svyciprop, vartype = c("se", "ci"))): estimate, se, lower, upper.
ciby <- function(name, b) {
  b <- as.data.frame(b)
  put(name, unlist(b[, (ncol(b) - 3):ncol(b)]))
}
ciby("ciprop_nhanes_by_race_beta",
     svyby(~HI_CHOL, ~race, dnh, svyciprop, method = "beta", na.rm = TRUE, vartype = c("se", "ci")))
ciby("ciprop_nhanes_by_race_likelihood",
     svyby(~HI_CHOL, ~race, dnh, svyciprop, method = "likelihood", na.rm = TRUE, vartype = c("se", "ci")))
ciby("ciprop_dstrat_by_stype_likelihood",
     svyby(~yes, ~stype, dstrat, svyciprop, method = "likelihood", vartype = c("se", "ci")))
for (lev in c("E", "H", "M")) {
  ci <- eval(bquote(svyciprop(~I(stype == .(lev)), dclus1, method = "likelihood")))
  put(paste0("ciprop_dclus1_stype", lev, "_likelihood"), c(coef(ci), SE(ci), attr(ci, "ci")))
}

# 3. postStratify (its own variance).
dps <- postStratify(dclus1, ~stype, pop_types)
for (m in c("logit", "beta", "asin")) {
  ci <- svyciprop(~yes, dps, method = m)
  put(paste0("ciprop_ps_", m), c(coef(ci), SE(ci), attr(ci, "ci")))
}
ciby("ciprop_ps_by_stype_beta", svyby(~yes, ~stype, dps, svyciprop, method = "beta", vartype = c("se", "ci")))
est("ps_mean_api00", svymean(~api00, dps))
est("ps_total_enroll", svytotal(~enroll, dps))
est("ps_mean_api00_api99", svymean(~api00 + api99, dps))
r <- svyratio(~api00, ~api99, dps)
put("ps_ratio_est", coef(r)); put("ps_ratio_se", SE(r))
est("ps_by_yes_mean_api00", svyby(~api00, ~yes, dps, svymean))
est("ps_by_stype_total_enroll", svyby(~enroll, ~stype, dps, svytotal))
est("ps_mean_yes", svymean(~yes, dps))
dps2 <- postStratify(dclus1, ~stype + sch.wide, pop_two)
est("ps2_mean_api00", svymean(~api00, dps2))
est("ps2_total_enroll", svytotal(~enroll, dps2))
est("ps2_by_stype_mean_api00", svyby(~api00, ~stype, dps2, svymean))
dstratps <- postStratify(dstrat, ~sch.wide, pop_two[pop_two$stype == "E", c("sch.wide", "Freq")])
est("strat_ps_mean_band", svymean(~band, dstratps, na.rm = TRUE))
est("strat_ps_mean_api00", svymean(~api00, dstratps))
est("strat_ps_mean_acs46", svymean(~acs.46, dstratps, na.rm = TRUE))
# a one-margin rake gives the same estimate but not the same SE
dr <- rake(dclus1, list(~stype), list(pop_types))
est("rake1_mean_api00", svymean(~api00, dr))

# 4. PPS without replacement.
dbrewer <- svydesign(id = ~1, fpc = ~p, data = election_pps, pps = "brewer")
doverton <- svydesign(id = ~1, fpc = ~p, data = election_pps, pps = "overton")
dppsmat <- svydesign(id = ~1, fpc = ~p, data = election_pps, pps = ppsmat(election_jointprob))
for (d in c("dbrewer", "doverton", "dppsmat")) {
  des <- get(d)
  est(paste0(d, "_total"), svytotal(~Bush + Kerry, des))
  est(paste0(d, "_mean"), svymean(~Bush + Kerry, des))
  r <- svyratio(~Bush, ~votes, des)
  put(paste0(d, "_ratio_est"), coef(r)); put(paste0(d, "_ratio_se"), SE(r))
  est(paste0(d, "_by_total"), svyby(~Kerry, ~I(Nader > 0), des, svytotal))
  put(paste0(d, "_degf"), degf(des))
  ci <- svyciprop(~I(Nader > 0), des, method = "beta")
  put(paste0("ciprop_", d, "_beta"), c(coef(ci), SE(ci), attr(ci, "ci")))
}

# 5. svyglm: linear (gaussian) and logistic (quasibinomial), design-based SEs.
glmref <- function(name, m) {
  put(paste0(name, "_coef"), coef(m))
  put(paste0(name, "_se"), SE(m))
  put(paste0(name, "_df"), m$df.residual)
}
glmref("glm_strat_lin", svyglm(api00 ~ ell + meals, design = dstrat))
glmref("glm_strat_logit", svyglm(yes ~ ell, design = dstrat, family = quasibinomial))
glmref("glm_clus1_lin", svyglm(api00 ~ ell + meals + mobility, design = dclus1))
glmref("glm_clus1_logit", svyglm(yes ~ ell + meals, design = dclus1, family = quasibinomial))
glmref("glm_nhanes_logit", svyglm(HI_CHOL ~ race + RIAGENDR, design = dnh, family = quasibinomial))
glmref("glm_strat_lin_na", svyglm(api00 ~ acs.46 + meals, design = dstrat))
glmref("glm_ps_lin", svyglm(api00 ~ ell + meals, design = dps))
glmref("glm_brewer_lin", svyglm(Kerry ~ Bush, design = dbrewer))

# One line per value: name, tab, values separated by tabs (numbers with 17 significant digits).
fmt <- function(x) if (is.character(x)) x else sprintf("%.17g", x)
lines <- vapply(names(ref), function(n) paste(c(n, fmt(ref[[n]])), collapse = "\t"), "")
writeLines(lines, file.path(outdir, "references_s4.tsv"))
