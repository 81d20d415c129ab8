// Every kernel source of cuda/kernels, compiled for the host under emu.h
// (included first, with IGNIS_EMU defined). Each source defines its own
// INSTANTIATE macro.
#pragma once
#include "../cholesky.cu"
#undef INSTANTIATE
#include "../trisolve.cu"
#undef INSTANTIATE
#include "../kernelmat.cu"
#undef INSTANTIATE
#include "../gp.cu"
