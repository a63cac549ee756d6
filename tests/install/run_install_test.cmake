# ctest driver (cmake -P): install the current build into a scratch prefix,
# build the downstream project in this folder against it, and run it.
# Inputs (-D): BUILD_DIR, SOURCE_DIR, WORK_DIR, GENERATOR, BUILD_TYPE,
# CXX_COMPILER, CXX_FLAGS, EXE_LINKER_FLAGS, EXPECT_GPU (ON/OFF) and
# CUDATOOLKIT_ROOT (may be empty).

foreach(_var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR BUILD_TYPE CXX_COMPILER)
  if(NOT DEFINED ${_var} OR "${${_var}}" STREQUAL "")
    message(FATAL_ERROR "run_install_test.cmake: -D${_var}=... is required")
  endif()
endforeach()

set(_prefix ${WORK_DIR}/prefix)
set(_build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

function(run_step name)
  list(JOIN ARGN " " _cmd)
  message(STATUS "[install test] ${name}: ${_cmd}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "[install test] ${name} failed (${_rc})")
  endif()
endfunction()

run_step(install ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${_prefix} --config ${BUILD_TYPE})

# The downstream build uses the same compiler and flags as the library (an
# ASan build's library needs an ASan-linked program).
set(_configure ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${_build} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_PREFIX_PATH=${_prefix}
    -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
    -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${EXE_LINKER_FLAGS}")
if(EXPECT_GPU)
  list(APPEND _configure -DFAISSLIKE_EXPECT_GPU=ON)
endif()
if(CUDATOOLKIT_ROOT)
  list(APPEND _configure -DCUDAToolkit_ROOT=${CUDATOOLKIT_ROOT})
endif()
run_step(configure ${_configure})
run_step(build ${CMAKE_COMMAND} --build ${_build} --config ${BUILD_TYPE})

run_step(run ${_build}/downstream_flat)
if(EXPECT_GPU)
  run_step(run ${_build}/downstream_gpu)
endif()
