# Strict warnings for rung's own tests, examples and benchmarks (never
# imposed on consumers). -ffp-contract=off keeps the synthetic workload's
# arithmetic bit-identical to its Python reference (no fused multiply-add).
# Warnings become errors only with RUNG_WERROR=ON (scripts/test.sh and CI set
# it): a newer compiler's new warning must not break a user's build.
option(RUNG_WERROR "Treat warnings in rung's own targets as errors" OFF)

function(rung_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -ffp-contract=off $<$<BOOL:${RUNG_WERROR}>:-Werror>)
endfunction()
