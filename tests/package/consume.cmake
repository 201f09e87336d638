# Configures, builds and runs tests/package/consumer against rung, one way:
#   cmake -DMODE=<add_subdirectory|fetchcontent|install|build_tree>
#         -DRUNG_SOURCE_DIR=... -DRUNG_BINARY_DIR=... -DWORK_DIR=...
#         -DSETTINGS=<initial cache: compiler, dependencies> -DGENERATOR=...
#         -DVERSION=<rung's version> -P consume.cmake
# install: `cmake --install` of RUNG_BINARY_DIR into a staging prefix, which
# is then moved elsewhere before the consumer looks for it, so the package
# is proven relocatable. build_tree: find_package with rung_DIR set to
# RUNG_BINARY_DIR (the build-tree export).
cmake_minimum_required(VERSION 3.21)

foreach(variable IN ITEMS MODE RUNG_SOURCE_DIR RUNG_BINARY_DIR WORK_DIR SETTINGS GENERATOR VERSION)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "consume.cmake: -D${variable}=... is required")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${what} failed (${result}):\n${ARGN}\n${output}")
  endif()
  message(STATUS "${what}: ok")
  set(last_output "${output}" PARENT_SCOPE)
endfunction()

# Every run starts from nothing, so no state from an earlier run can help.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(consumer_source ${CMAKE_CURRENT_LIST_DIR}/consumer)
set(consumer_build ${WORK_DIR}/build)
set(options -DRUNG_SOURCE_DIR=${RUNG_SOURCE_DIR})

if(MODE STREQUAL "add_subdirectory")
  list(APPEND options -DRUNG_CONSUME=add_subdirectory)
elseif(MODE STREQUAL "fetchcontent")
  list(APPEND options -DRUNG_CONSUME=fetchcontent -DFETCHCONTENT_FULLY_DISCONNECTED=ON)
elseif(MODE STREQUAL "build_tree")
  list(APPEND options -DRUNG_CONSUME=find_package -Drung_DIR=${RUNG_BINARY_DIR}
       -DRUNG_EXPECTED_VERSION=${VERSION})
elseif(MODE STREQUAL "install")
  set(stage ${WORK_DIR}/stage)
  set(prefix ${WORK_DIR}/moved-prefix)
  run("cmake --install" ${CMAKE_COMMAND} --install ${RUNG_BINARY_DIR} --prefix ${stage})
  file(RENAME ${stage} ${prefix})
  # Nothing installed may point back at the staging prefix or at the trees
  # rung was built from.
  file(GLOB_RECURSE package_files ${prefix}/*.cmake)
  if(NOT package_files)
    message(FATAL_ERROR "cmake --install put no CMake package files under ${stage}")
  endif()
  foreach(file IN LISTS package_files)
    file(READ ${file} text)
    foreach(path IN ITEMS ${stage} ${RUNG_SOURCE_DIR} ${RUNG_BINARY_DIR})
      string(FIND "${text}" "${path}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${file} names ${path}: the installed package is not relocatable")
      endif()
    endforeach()
  endforeach()
  list(APPEND options -DRUNG_CONSUME=find_package -DCMAKE_PREFIX_PATH=${prefix}
       -DRUNG_EXPECTED_PREFIX=${prefix} -DRUNG_EXPECTED_VERSION=${VERSION})
else()
  message(FATAL_ERROR "consume.cmake: unknown MODE '${MODE}'")
endif()

run("configure the consumer" ${CMAKE_COMMAND} -S ${consumer_source} -B ${consumer_build}
    -G ${GENERATOR} -C ${SETTINGS} ${options})
run("build the consumer" ${CMAKE_COMMAND} --build ${consumer_build})
run("run the consumer" ${consumer_build}/rung_consumer)
message(STATUS "consumer output:\n${last_output}")
