// losses.cu compiled for the host checker (host_cuda.h).
#include "losses.cu"
