# run_fuzzer.cmake: the fuzz.<target>.run test. Copies the target's seeds (SEEDS: folders
# separated by '|'; *.md and *.tsv skipped) into a fresh corpus under WORK, so the sources
# are never written to, then fuzzes it for SECONDS with DICT and MAX_LEN. libFuzzer exits
# non-zero on a crash, leak, timeout, out-of-memory or UBSan report, and leaves the input
# as WORK/crash-*.
# Usage: cmake -DFUZZER=... -DWORK=... -DSEEDS=... -DDICT=... -DMAX_LEN=... -DSECONDS=...
#        -P run_fuzzer.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
string(REPLACE "|" ";" seed_dirs "${SEEDS}")
foreach(dir IN LISTS seed_dirs)
  file(GLOB seeds LIST_DIRECTORIES false ${dir}/*)
  list(FILTER seeds EXCLUDE REGEX "\\.(md|tsv)$")
  if(seeds)
    file(COPY ${seeds} DESTINATION ${WORK}/corpus)
  endif()
endforeach()

# UBSan reports only print by default; make them fail the run like any crash.
set(ENV{UBSAN_OPTIONS} "halt_on_error=1:print_stacktrace=1")
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -dict=${DICT} -max_len=${MAX_LEN} -timeout=25
          -artifact_prefix=${WORK}/ -print_final_stats=1 ${WORK}/corpus
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${status}); its input is in ${WORK}/")
endif()
