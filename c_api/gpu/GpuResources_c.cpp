#include "GpuResources_c.h"

#include "gpu_c_impl.h"

extern "C" {

FAISSLIKE_C_DESTRUCTOR(GpuResourcesProvider)

}
