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
}
