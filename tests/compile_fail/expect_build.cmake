# Builds one target of a configured build tree and checks the outcome.
#   cmake -DBUILD_DIR=... -DTARGET=... [-DCONFIG=...] [-DNINJA=<ninja>] -DSOURCE=<file> -P expect_build.cmake
#   cmake -DBUILD_DIR=... -DTARGET=... [-DCONFIG=...] -DEXPECT=success -P expect_build.cmake
# SOURCE's first line says what to expect:
#   // expect: <regex>     the build must fail AND its FIRST error line
#                          match <regex> (a CMake regex: no \d, no {n};
#                          matched after colour codes are stripped), so a
#                          follow-on error cannot pass for the intended one;
#                          and that error must be the only error or warning
#                          (one static_assert, no cascade after it)
#   // expect-success      the build must succeed (a positive control)
# Failing for another reason than the one named is a failure: a compile-fail
# test must not pass because a header is missing or a name is misspelt.
cmake_minimum_required(VERSION 3.21)

foreach(variable IN ITEMS BUILD_DIR TARGET)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "expect_build.cmake: -D${variable}=... is required")
  endif()
endforeach()

if(DEFINED SOURCE)
  file(READ ${SOURCE} head LIMIT 2000)
  string(REGEX MATCH "^[^\n]*" first_line "${head}")
  if(first_line MATCHES "^// expect: (.+)$")
    set(expect_success FALSE)
    set(pattern "${CMAKE_MATCH_1}")
  elseif(first_line MATCHES "^// expect-success")
    set(expect_success TRUE)
  else()
    message(FATAL_ERROR "${SOURCE}: the first line must be `// expect: <regex>` or `// expect-success`")
  endif()
elseif(EXPECT STREQUAL "success")
  set(expect_success TRUE)
else()
  message(FATAL_ERROR "expect_build.cmake: give -DSOURCE=<file> or -DEXPECT=success")
endif()

# With Ninja and a single source, the compile command is run directly, so
# that tests of one tree can run at once (two builds of one tree cannot).
if(DEFINED SOURCE AND NINJA)
  execute_process(COMMAND ${NINJA} -C ${BUILD_DIR} -t commands ${TARGET}
                  RESULT_VARIABLE result OUTPUT_VARIABLE commands ERROR_VARIABLE commands)
  if(NOT result EQUAL 0 OR NOT commands MATCHES "[^\n]+")
    message(FATAL_ERROR "expect_build.cmake: ninja has no command for ${TARGET}:\n${commands}")
  endif()
  string(STRIP "${commands}" commands)
  string(REGEX MATCH "[^\n]+$" compile "${commands}")  # the target's own compile comes last
  execute_process(COMMAND sh -c "${compile}" WORKING_DIRECTORY ${BUILD_DIR}
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
else()
  set(build ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET})
  if(CONFIG)
    list(APPEND build --config ${CONFIG})
  endif()
  execute_process(COMMAND ${build} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
endif()
string(ASCII 27 escape)
string(REGEX REPLACE "${escape}\\[[0-9;]*[A-Za-z]" "" output "${output}")

if(expect_success)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${TARGET} must compile but failed:\n${output}")
  endif()
  message(STATUS "${TARGET} compiles, as it must")
elseif(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but must fail with an error matching: ${pattern}")
else()
  # The compiler's first diagnostic of severity error ("file:line:col: error: ...").
  string(REGEX MATCH "[^\n]*: (fatal )?error: [^\n]*" first_error "${output}")
  if(NOT first_error MATCHES "${pattern}")
    message(FATAL_ERROR "${TARGET} failed to compile as it must, but its first error does not match\n"
                        "  ${pattern}\nThe first error:\n  ${first_error}\nThe build said:\n${output}")
  endif()
  string(REPLACE ";" "," listable "${output}")  # a message's ';' must not split the list
  string(REGEX MATCHALL "[^\n]*: (fatal )?(error|warning): [^\n]*" diagnostics "${listable}")
  list(LENGTH diagnostics count)
  if(NOT count EQUAL 1)
    message(FATAL_ERROR "${TARGET} failed with the error it must, but also gave other errors or warnings "
                        "(${count} in all); the build said:\n${output}")
  endif()
  message(STATUS "${TARGET} fails to compile with: ${first_error}")
endif()
