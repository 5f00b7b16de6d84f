# Reference values for tests/survey/test_issue18_bugs.py, from R's own example data.
#
# Run from the repository root:
#   Rscript tests/survey/r/make_references_s3.R [OUTDIR]
# It writes OUTDIR/fpc.csv, scd.csv, election_pps.csv, precision5.csv (R's example data sets
# data(fpc), data(scd), data(election) of library(survey), and the issue's 5-row file) and
# OUTDIR/references_s3.tsv.  OUTDIR defaults to tests/survey/data (the committed copies);
# the test marked `r` runs it into a temporary directory and compares.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args)) args[1] else file.path("tests", "survey", "data")
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

data(fpc)
data(scd)
data(election)
precision5 <- data.frame(w = c(1, 10, 100, 1000, 10000), y = c(1000000, 100001, 10002, 999, 100))
write.csv(fpc, file.path(outdir, "fpc.csv"), row.names = FALSE)
write.csv(scd, file.path(outdir, "scd.csv"), row.names = FALSE)
write.csv(election_pps, file.path(outdir, "election_pps.csv"), row.names = FALSE)
write.csv(precision5, file.path(outdir, "precision5.csv"), row.names = FALSE)

ref <- list()
put <- function(name, x) ref[[name]] <<- unname(as.vector(unclass(x)))
est <- function(name, s) { put(paste0(name, "_est"), coef(s)); put(paste0(name, "_se"), SE(s)) }

# (a) fpc: columns nh and Nh differ only in case.
d_fpc <- svydesign(ids = ~psuid, strata = ~stratid, fpc = ~Nh, weights = ~weight, data = fpc, nest = TRUE)
est("fpc_mean_x", svymean(~x, d_fpc))
est("fpc_total_x", svytotal(~x, d_fpc))
est("fpc_total_nh", svytotal(~nh, d_fpc))
d_fpc_now <- svydesign(ids = ~psuid, strata = ~stratid, fpc = ~Nh, data = fpc, nest = TRUE)
est("fpc_noweights_mean_x", svymean(~x, d_fpc_now))
est("fpc_by_mean_x", svyby(~x, ~nh, d_fpc, svymean))

# (b) precision of totals when w * y is nearly constant.
est("precision5_total_y", svytotal(~y, svydesign(ids = ~1, weights = ~w, data = precision5)))
d_pps <- svydesign(ids = ~1, probs = ~p, data = election_pps)
est("election_pps_total", svytotal(~Bush + Kerry + votes, d_pps))
est("election_pps_mean", svymean(~Bush + Kerry, d_pps))

# (c) BRR with R's default Hadamard matrix (as.svrepdesign(type = "BRR")).
scdnofpc <- svydesign(data = scd, prob = ~1, id = ~ambulance, strata = ~ESA, nest = TRUE)
scd2brr <- as.svrepdesign(scdnofpc, type = "BRR", compress = FALSE)
put("scd_brr_repweights", weights(scd2brr, "analysis"))
ref[["scd_brr_repweights_ncol"]] <- ncol(weights(scd2brr, "analysis"))
est("scd_brr_ratio", svyratio(~alive, ~arrests, scd2brr))
est("scd_brr_total", svytotal(~alive, scd2brr))
scd2fay <- as.svrepdesign(scdnofpc, type = "Fay", fay.rho = 0.3)
est("scd_fay_ratio", svyratio(~alive, ~arrests, scd2fay))
# R's default Hadamard matrices for n strata (rows as strings of 0/1).
hsizes <- c(1:40, 47, 50, 55, 60, 63, 64, 70, 80)
for (n in hsizes) {
  H <- survey:::hadamard(n)
  ref[[paste0("hadamard_", n)]] <- apply(H, 1, paste, collapse = "")
}

# One line per value: name, tab, values separated by tabs (numbers with 17 significant digits).
fmt <- function(x) if (is.character(x)) x else sprintf("%.17g", x)
lines <- vapply(names(ref), function(n) paste(c(n, fmt(ref[[n]])), collapse = "\t"), "")
writeLines(lines, file.path(outdir, "references_s3.tsv"))
