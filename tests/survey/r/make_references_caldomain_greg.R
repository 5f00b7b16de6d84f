# Reference values for tests/survey/test_caldomain_greg.py: domain means and totals on designs
# calibrated (GREG, R's calibrate() with the linear distance) to categorical margins AND totals of
# continuous variables, from R's own example data (library(survey)'s apiclus1, apistrat, and the
# population totals from apipop).
#
# Run from the repository root:
#   Rscript tests/survey/r/make_references_caldomain_greg.R [OUTDIR]
# It reads tests/survey/data/api_caldomain_{clus1,strat}.csv (written by
# make_references_caldomain.R) and writes OUTDIR/references_caldomain_greg.tsv (OUTDIR defaults to
# tests/survey/data, the committed copy; the test marked `r` runs it into a temporary directory).
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else file.path("tests", "survey", "data")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
indir <- file.path("tests", "survey", "data")

data(api)
apiclus1 <- read.csv(file.path(indir, "api_caldomain_clus1.csv"), stringsAsFactors = TRUE)
apistrat <- read.csv(file.path(indir, "api_caldomain_strat.csv"), stringsAsFactors = TRUE)
dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
dstrat_fpc <- svydesign(id = ~1, strata = ~stype, data = apistrat, fpc = ~fpc)  # weights from the fpc

# population totals from apipop: the intercept, the stype and sch.wide levels, api99, meals
pop1 <- colSums(model.matrix(~stype + api99, apipop))
pop2 <- colSums(model.matrix(~stype + sch.wide + api99 + meals, apipop))

designs <- list(
  clus1_greg = calibrate(dclus1, ~stype + api99, pop1),
  strat_greg = calibrate(dstrat, ~stype + api99, pop1),
  stratfpc_greg = calibrate(dstrat_fpc, ~stype + api99, pop1),
  clus1_greg2 = calibrate(dclus1, ~stype + sch.wide + api99 + meals, pop2),
  strat_greg2 = calibrate(dstrat, ~stype + sch.wide + api99 + meals, pop2)
)

lines <- character()
put <- function(name, x) lines <<- c(lines, paste(name, paste(sprintf("%.17g", unname(as.vector(x))), collapse = " "), sep = "\t"))
put("pop.api99", pop2[["api99"]])
put("pop.meals", pop2[["meals"]])
for (case in names(designs)) {
  d <- designs[[case]]
  for (v in c("api00", "ell")) {
    for (by in c("comp.imp", "stype")) {
      b <- svyby(as.formula(paste0("~", v)), as.formula(paste0("~", by)), d, svymean)
      put(paste(case, "mean", v, by, "est", sep = "."), coef(b))
      put(paste(case, "mean", v, by, "se", sep = "."), SE(b))
    }
  }
  b <- svyby(~enroll, ~comp.imp, d, svytotal)
  put(paste(case, "total", "enroll", "comp.imp", "est", sep = "."), coef(b))
  put(paste(case, "total", "enroll", "comp.imp", "se", sep = "."), SE(b))
  m <- svymean(~api00, d)
  put(paste(case, "mean", "api00", "", "est", sep = "."), coef(m))
  put(paste(case, "mean", "api00", "", "se", sep = "."), SE(m))
  m <- svytotal(~api99, d)  # calibrated: the population total, SE 0
  put(paste(case, "total", "api99", "", "est", sep = "."), coef(m))
}
writeLines(lines, file.path(outdir, "references_caldomain_greg.tsv"))
