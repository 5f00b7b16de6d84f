# Reference values for tests/survey/test_caldomain.py: domain means and totals on raked and
# calibrated designs, from R's own example data (library(survey)'s apiclus1 and apistrat).
#
# Run from the repository root:
#   Rscript tests/survey/r/make_references_caldomain.R [OUTDIR]
# It writes OUTDIR/api_caldomain_clus1.csv, OUTDIR/api_caldomain_strat.csv (the columns the test
# uses) and OUTDIR/references_caldomain.tsv.  OUTDIR defaults to tests/survey/data (the committed
# copies); the test marked `r` runs it into a temporary directory and compares.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else file.path("tests", "survey", "data")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

data(api)
keep <- c("dnum", "snum", "stype", "sch.wide", "comp.imp", "pw", "fpc", "api00", "api99", "meals", "ell", "enroll")
write.csv(apiclus1[, keep], file.path(outdir, "api_caldomain_clus1.csv"), row.names = FALSE)
write.csv(apistrat[, keep], file.path(outdir, "api_caldomain_strat.csv"), row.names = FALSE)
# The references come from the files as written (so the test reads exactly R's input).
apiclus1 <- read.csv(file.path(outdir, "api_caldomain_clus1.csv"), stringsAsFactors = TRUE)
apistrat <- read.csv(file.path(outdir, "api_caldomain_strat.csv"), stringsAsFactors = TRUE)

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat_fpc <- svydesign(id = ~1, strata = ~stype, data = apistrat, fpc = ~fpc)  # weights from the fpc
types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)

designs <- list(
  clus1_rake = rake(dclus1, list(~stype, ~sch.wide), list(types, schwide)),
  clus1_rake_tight = rake(dclus1, list(~stype, ~sch.wide), list(types, schwide),
                          control = list(epsilon = 1e-9, maxit = 50)),
  strat_rake = rake(dstrat, list(~stype, ~sch.wide), list(types, schwide)),
  stratfpc_rake = rake(dstrat_fpc, list(~stype, ~sch.wide), list(types, schwide)),
  clus1_linear = calibrate(dclus1, ~stype + sch.wide, pop),
  clus1_linear_bounds = calibrate(dclus1, ~stype + sch.wide, pop, bounds = c(0.7, 1.6)),
  clus1_logit = calibrate(dclus1, ~stype + sch.wide, pop, calfun = "logit", bounds = c(0.5, 2)),
  clus1_raking_trim = suppressMessages(calibrate(dclus1, ~stype + sch.wide, pop, calfun = "raking",
                                                 trim = c(0.8, 1.3))),
  strat_linear = calibrate(dstrat, ~stype + sch.wide, pop)
)

lines <- character()
put <- function(name, x) lines <<- c(lines, paste(name, paste(sprintf("%.17g", unname(as.vector(x))), collapse = " "), sep = "\t"))
for (case in names(designs)) {
  d <- designs[[case]]
  for (v in c("api00", "meals")) {
    for (by in c("comp.imp", "stype")) {
      b <- svyby(as.formula(paste0("~", v)), as.formula(paste0("~", by)), d, svymean)
      put(paste(case, "mean", v, by, "est", sep = "."), coef(b))
      put(paste(case, "mean", v, by, "se", sep = "."), SE(b))
    }
  }
  b <- svyby(~ell, ~comp.imp, d, svytotal)
  put(paste(case, "total", "ell", "comp.imp", "est", sep = "."), coef(b))
  put(paste(case, "total", "ell", "comp.imp", "se", sep = "."), SE(b))
  m <- svymean(~api00, d)
  put(paste(case, "mean", "api00", "", "est", sep = "."), coef(m))
  put(paste(case, "mean", "api00", "", "se", sep = "."), SE(m))
}
writeLines(lines, file.path(outdir, "references_caldomain.tsv"))
