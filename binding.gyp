# The addon built by node-gyp, the fallback where CMake is missing (scripts/install.mjs chooses the tool): the CPU
# kernels (the portable files, and the AVX2 and AVX-512 files each compiled with its own instruction-set flags as
# CMakeLists.txt does, so one binary picks its variant at run time) and the N-API glue. No CUDA side: building it
# needs CMake (cmake-js). Source lists come from scripts/gyp-sources.cjs, which globs the folders as CMake does.
{
  'variables': {
    'semigen_version': '<!(node -p "require(\'./package.json\').version")',
    # the CUDA bodies' host checker (a test tool): built where its sources are, i.e. in a clone, never in the package
    'semigen_checker': '<!(node -p "require(\'fs\').existsSync(\'kernels/cuda/check\') ? 1 : 0")',
  },
  'target_defaults': {
    'default_configuration': 'Release',
    'include_dirs': ['kernels/include', 'kernels/common'],
    'defines': ['NDEBUG'],
    # node's defaults turn C++ exceptions and RTTI off; the glue throws (NAPI_CPP_EXCEPTIONS), as under CMake
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti'],
    'conditions': [
      ['target_arch=="x64"', { 'defines': ['SEMIGEN_X86=1'] }, { 'defines': ['SEMIGEN_X86=0'] }],
    ],
  },
  'targets': [
    {
      'target_name': 'semigen_kernels_avx2',
      'type': 'static_library',
      'sources': ['<!@(node scripts/gyp-sources.cjs avx2)'],
      'cflags': ['-O3', '-fno-math-errno'],
      'conditions': [['target_arch=="x64"', { 'cflags': ['-mavx2', '-mfma'] }]],
    },
    {
      'target_name': 'semigen_kernels_avx512',
      'type': 'static_library',
      'sources': ['<!@(node scripts/gyp-sources.cjs avx512)'],
      'cflags': ['-O3', '-fno-math-errno'],
      'conditions': [['target_arch=="x64"', {
        'cflags': ['-mavx512f', '-mavx512dq', '-mavx512bw', '-mavx512vl', '-mfma', '-mavx2'],
      }]],
    },
    {
      'target_name': 'semigen_kernels_cpu',
      'type': 'static_library',
      'sources': ['<!@(node scripts/gyp-sources.cjs cpu)'],
      'cflags': ['-O3', '-fno-math-errno'],
      'dependencies': ['semigen_kernels_avx2', 'semigen_kernels_avx512'],
    },
    {
      'target_name': 'semigen',
      'sources': ['<!@(node scripts/gyp-sources.cjs native)', 'kernels/cuda_absent.cc'],
      'include_dirs': ['<!(node -p "require(\'node-addon-api\').include_dir")'],
      'dependencies': ['semigen_kernels_cpu'],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'SEMIGEN_VERSION="<(semigen_version)"', 'SEMIGEN_WITH_CUDA=0'],
      'cflags': ['-O2', '-fvisibility=hidden'],
      'cflags_cc': ['-fvisibility-inlines-hidden'],
      'conditions': [
        # -z now: a missing symbol fails `require` with a dlopen error instead of killing Node at its first call;
        # --exclude-libs: the kernel archives' symbols stay private to the addon (as CMakeLists.txt links it)
        ['OS=="linux"', { 'ldflags': ['-Wl,-z,now', '-Wl,--exclude-libs,ALL'] }],
      ],
    },
  ],
  'conditions': [
    ['semigen_checker==1', {
      'targets': [{
        'target_name': 'semigen_cuda_bodies_check',
        'type': 'executable',
        'sources': ['<!@(node scripts/gyp-sources.cjs check)'],
        'include_dirs': ['kernels/cuda'],
        'defines': ['SEMIGEN_CUDA_ON_HOST'],
        'cflags': ['-O2', '-ffp-contract=fast', '-Wno-unknown-pragmas'],
        'dependencies': ['semigen_kernels_cpu'],
      }],
    }],
  ],
}
