# Strict warnings for rung's own tests, examples and benchmarks (never
# imposed on consumers). -ffp-contract=off keeps the synthetic workload's
# arithmetic bit-identical to its Python reference (no fused multiply-add).
function(rung_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Werror -ffp-contract=off)
endfunction()
