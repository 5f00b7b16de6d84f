# Reference values for tests/survey/test_caldomain_na.py: domain means and totals on raked and
# calibrated designs when the domain (by) column has missing values -- svyby leaves that group
# out, and the rows stay in the design (the calibration and the variance use every row), from R's
# own example data (library(survey)'s apiclus1 and apistrat).
#
# Run from the repository root:
#   Rscript tests/survey/r/make_references_caldomain_na.R [OUTDIR]
# It writes OUTDIR/api_caldomain_na_clus1.csv, OUTDIR/api_caldomain_na_strat.csv and
# OUTDIR/references_caldomain_na.tsv.  OUTDIR defaults to tests/survey/data (the committed copies);
# the test marked `r` runs it into a temporary directory and compares.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else file.path("tests", "survey", "data")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

data(api)
# size: a domain column with R's own missing values (acs.46 is NA for many schools)
size <- function(d) ifelse(is.na(d$acs.46), NA, ifelse(d$acs.46 > 28, "large", "small"))
apiclus1$size <- size(apiclus1)
apistrat$size <- size(apistrat)
keep <- c("dnum", "snum", "stype", "sch.wide", "size", "pw", "fpc", "api00", "meals", "ell")
write.csv(apiclus1[, keep], file.path(outdir, "api_caldomain_na_clus1.csv"), row.names = FALSE)
write.csv(apistrat[, keep], file.path(outdir, "api_caldomain_na_strat.csv"), row.names = FALSE)
apiclus1 <- read.csv(file.path(outdir, "api_caldomain_na_clus1.csv"), stringsAsFactors = TRUE)
apistrat <- read.csv(file.path(outdir, "api_caldomain_na_strat.csv"), stringsAsFactors = TRUE)

dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc)
types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
pop <- c(`(Intercept)` = 6194, stypeH = 755, stypeM = 1018, sch.wideYes = 5122)

designs <- list(
  clus1_rake = rake(dclus1, list(~stype, ~sch.wide), list(types, schwide)),
  strat_rake = rake(dstrat, list(~stype, ~sch.wide), list(types, schwide)),
  clus1_linear = calibrate(dclus1, ~stype + sch.wide, pop),
  strat_linear = calibrate(dstrat, ~stype + sch.wide, pop)
)

lines <- character()
put <- function(name, x) lines <<- c(lines, paste(name, paste(sprintf("%.17g", unname(as.vector(x))), collapse = " "), sep = "\t"))
for (case in names(designs)) {
  d <- designs[[case]]
  for (v in c("api00", "meals")) {
    b <- svyby(as.formula(paste0("~", v)), ~size, d, svymean)
    put(paste(case, "mean", v, "size", "est", sep = "."), coef(b))
    put(paste(case, "mean", v, "size", "se", sep = "."), SE(b))
  }
  b <- svyby(~ell, ~size, d, svytotal)
  put(paste(case, "total", "ell", "size", "est", sep = "."), coef(b))
  put(paste(case, "total", "ell", "size", "se", sep = "."), SE(b))
  b <- svyby(~api00, ~size + stype, d, svymean)
  put(paste(case, "mean", "api00", "size+stype", "est", sep = "."), coef(b))
  put(paste(case, "mean", "api00", "size+stype", "se", sep = "."), SE(b))
}
writeLines(lines, file.path(outdir, "references_caldomain_na.tsv"))
