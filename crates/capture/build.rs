// Compiles the libjpeg and TurboJPEG wrappers and links the system libjpeg-turbo (libjpeg62-turbo-dev on Debian):
// it is on every Debian/Raspberry Pi OS board and carries the SIMD encoder for ARM and x86.
fn main() {
    println!("cargo:rerun-if-changed=csrc/encoder.c");
    cc::Build::new().file("csrc/encoder.c").opt_level(2).compile("mjpgd_encoder");
    println!("cargo:rustc-link-lib=jpeg");
    // Lossless rotate/flip (TurboJPEG's tjTransform): libturbojpeg0-dev to build, libturbojpeg0 to run.
    println!("cargo:rerun-if-changed=csrc/transform.c");
    cc::Build::new().file("csrc/transform.c").opt_level(2).compile("mjpgd_transform");
    println!("cargo:rustc-link-lib=turbojpeg");
    // With the napi feature this crate's #[napi] types go into the binding's generated typings: napi-derive
    // writes them into the folder `napi build` names, so a cached build must rerun when that folder
    // changes (what napi_build::setup() tells cargo for the binding crate itself).
    if std::env::var_os("CARGO_FEATURE_NAPI").is_some() {
        println!("cargo:rerun-if-env-changed=NAPI_TYPE_DEF_TMP_FOLDER");
        println!("cargo:rerun-if-env-changed=NAPI_FORCE_BUILD_MJPGD_CAPTURE");
    }
}
