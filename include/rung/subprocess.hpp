// Trials as programs (POSIX only): subprocess_trial runs a command per trial,
// gpu_rotation hands each one a GPU. Not in rung.hpp: include it by name.
#pragma once

#include "rung/drivers/subprocess/gpu_rotation.hpp"
#include "rung/drivers/subprocess/subprocess_trial.hpp"
