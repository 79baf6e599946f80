/* A stand-in for libnvidia-ml.so.1 exporting only what Firebreak's NvmlGpus calls through
 * nvml-wrapper 0.13. Every value is a compile-time -D define so each scenario is its own
 * .so file (tests run in threads of one process, and a loaded library is shared).
 *
 *   gcc -shared -fPIC -o libstub-nvml.so nvml_stub.c [-DSTUB_DEVICES=2 -DSTUB_TEMP1=91 ...]
 *
 * -DSTUB_INIT_RESULT=999 makes nvmlInit_v2 fail; -DSTUB_NO_SHUTDOWN omits nvmlShutdown.
 * A value of -1 makes the query answer NVML_ERROR_NOT_SUPPORTED (feature absent).
 */
#include <stdio.h>
#include <string.h>

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_UNKNOWN = 999,
};

#define GIB (1024ULL * 1024ULL * 1024ULL)

#ifndef STUB_INIT_RESULT
#define STUB_INIT_RESULT NVML_SUCCESS
#endif
#ifndef STUB_DEVICES
#define STUB_DEVICES 2
#endif
#ifndef STUB_NAME
#define STUB_NAME "NVIDIA A100-SXM4-80GB"
#endif
#ifndef STUB_TOTAL_GIB
#define STUB_TOTAL_GIB 80
#endif
#ifndef STUB_USED_GIB0
#define STUB_USED_GIB0 36
#endif
#ifndef STUB_USED_GIB1
#define STUB_USED_GIB1 20
#endif
#ifndef STUB_UTIL0
#define STUB_UTIL0 87
#endif
#ifndef STUB_UTIL1
#define STUB_UTIL1 10
#endif
#ifndef STUB_TEMP0
#define STUB_TEMP0 71
#endif
#ifndef STUB_TEMP1
#define STUB_TEMP1 65
#endif
#ifndef STUB_POWER_MW0
#define STUB_POWER_MW0 250000
#endif
#ifndef STUB_POWER_MW1
#define STUB_POWER_MW1 -1
#endif
#ifndef STUB_ECC0
#define STUB_ECC0 0
#endif
#ifndef STUB_ECC1
#define STUB_ECC1 -1
#endif
/* Device 0 runs one compute process (pid 4242, 30 GiB); device 1 none. */
#ifndef STUB_PID0
#define STUB_PID0 4242
#endif
#ifndef STUB_PROC_GIB0
#define STUB_PROC_GIB0 30
#endif

#if STUB_DEVICES > 2
#error "the stub knows at most 2 devices"
#endif

struct stub_device {
    unsigned int index;
    unsigned long long used_gib;
    long long util, temp, power_mw, ecc;
};

typedef struct stub_device *nvmlDevice_t;

static const unsigned int device_count = STUB_DEVICES;

static struct stub_device devices[2] = {
    {0, STUB_USED_GIB0, STUB_UTIL0, STUB_TEMP0, STUB_POWER_MW0, STUB_ECC0},
    {1, STUB_USED_GIB1, STUB_UTIL1, STUB_TEMP1, STUB_POWER_MW1, STUB_ECC1},
};

typedef struct {
    unsigned int version;
    unsigned long long total, reserved, free, used;
} nvmlMemory_v2_t;

typedef struct {
    unsigned int gpu, memory;
} nvmlUtilization_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;

static int valid(nvmlDevice_t device) {
    return device == &devices[0] || (device_count > 1 && device == &devices[1]);
}

nvmlReturn_t nvmlInit_v2(void) { return STUB_INIT_RESULT; }
/* -DSTUB_NO_SHUTDOWN leaves nvmlShutdown out: a library nvml-wrapper must not panic over. */
#ifndef STUB_NO_SHUTDOWN
nvmlReturn_t nvmlShutdown(void) { return NVML_SUCCESS; }
#endif

const char *nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    default: return "Unknown Error";
    }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if (!version) return NVML_ERROR_INVALID_ARGUMENT;
    snprintf(version, length, "%s", "550.54.15");
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    *count = device_count;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    if (!device || index >= device_count) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &devices[index];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
    if (!valid(device) || !name) return NVML_ERROR_INVALID_ARGUMENT;
    snprintf(name, length, "%s", STUB_NAME);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory) {
    if (!valid(device) || !memory) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = STUB_TOTAL_GIB * GIB;
    memory->reserved = 0;
    memory->used = device->used_gib * GIB;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization) {
    if (!valid(device) || !utilization) return NVML_ERROR_INVALID_ARGUMENT;
    if (device->util < 0) return NVML_ERROR_NOT_SUPPORTED;
    utilization->gpu = (unsigned int)device->util;
    utilization->memory = 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp) {
    if (!valid(device) || !temp || sensor != 0) return NVML_ERROR_INVALID_ARGUMENT;
    if (device->temp < 0) return NVML_ERROR_NOT_SUPPORTED;
    *temp = (unsigned int)device->temp;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
    if (!valid(device) || !power) return NVML_ERROR_INVALID_ARGUMENT;
    if (device->power_mw < 0) return NVML_ERROR_NOT_SUPPORTED;
    *power = (unsigned int)device->power_mw;
    return NVML_SUCCESS;
}

/* error_type 1 = uncorrected, counter_type 0 = volatile; the stub answers only that. */
nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t device, int error_type, int counter_type,
                                         unsigned long long *count) {
    if (!valid(device) || !count) return NVML_ERROR_INVALID_ARGUMENT;
    if (device->ecc < 0 || error_type != 1 || counter_type != 0) return NVML_ERROR_NOT_SUPPORTED;
    *count = (unsigned long long)device->ecc;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *count,
                                                     nvmlProcessInfo_t *infos) {
    if (!valid(device) || !count) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int running = device->index == 0 ? 1 : 0;
    if (*count < running || (running > 0 && !infos)) {
        *count = running;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    *count = running;
    if (running > 0) {
        memset(&infos[0], 0, sizeof infos[0]);
        infos[0].pid = STUB_PID0;
        infos[0].usedGpuMemory = STUB_PROC_GIB0 * GIB;
        infos[0].gpuInstanceId = 0xFFFFFFFF;
        infos[0].computeInstanceId = 0xFFFFFFFF;
    }
    return NVML_SUCCESS;
}
