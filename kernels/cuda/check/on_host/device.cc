// device.cu compiled for the host checker (host_cuda.h).
#include "device.cu"
