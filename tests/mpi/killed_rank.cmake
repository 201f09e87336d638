# ctest mpi_killed_rank: a worker rank dies (SIGKILL) in the middle of a
# tuning, then the job is launched again with resume (killed_rank.cpp).
#   cmake -DMPIEXEC=... -DMPIEXEC_FLAGS="..." -DRANKS=4 -DPROGRAM=... -DROOT=... -P killed_rank.cmake
# The first launch must fail and the launcher's message name the rank; the
# second must finish the tuning from the journal (the program checks it).
separate_arguments(flags UNIX_COMMAND "${MPIEXEC_FLAGS}")
file(REMOVE_RECURSE "${ROOT}")
execute_process(COMMAND ${MPIEXEC} -n ${RANKS} ${flags} ${PROGRAM} ${ROOT} kill
                RESULT_VARIABLE killed OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
if(killed EQUAL 0)
  message(FATAL_ERROR "the job went on although rank 2 was killed:\n${out}${err}")
endif()
if(NOT "${out}${err}" MATCHES "rank 2")
  message(FATAL_ERROR "the job failed (${killed}) without naming rank 2:\n${out}${err}")
endif()
message(STATUS "killed: exit ${killed}; the launcher said:\n${err}")
execute_process(COMMAND ${MPIEXEC} -n ${RANKS} ${flags} ${PROGRAM} ${ROOT} resume
                RESULT_VARIABLE resumed OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 90)
if(NOT resumed EQUAL 0)
  message(FATAL_ERROR "the resumed job failed (${resumed}):\n${out}${err}")
endif()
message(STATUS "${out}")
file(REMOVE_RECURSE "${ROOT}")
