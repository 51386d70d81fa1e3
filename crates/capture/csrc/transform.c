/* Lossless JPEG rotate/flip in the DCT domain through the system's TurboJPEG API (libturbojpeg0,
 * libjpeg-turbo): the coefficients are moved, not decoded and re-encoded, so there is no quality loss
 * and it costs a fraction of an encode. A shim so Rust sees two plain functions instead of the
 * tjtransform struct layout, and the library's error text is copied out while the handle lives. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

static void copy_error(tjhandle h, char *err, size_t err_len) {
  if (err_len == 0) return;
  snprintf(err, err_len, "%s", h ? tjGetErrorStr2(h) : tjGetErrorStr2(NULL));
}

/* Bytes the output of a transform of `in` may need (0 when `in` is not a JPEG; `err` says why). */
size_t mjpgd_transform_bound(const uint8_t *in, size_t in_len, char *err, size_t err_len) {
  tjhandle h = tjInitDecompress();
  if (!h) {
    copy_error(NULL, err, err_len);
    return 0;
  }
  int w = 0, hgt = 0, subsamp = 0, colorspace = 0;
  size_t bound = 0;
  if (tjDecompressHeader3(h, in, (unsigned long)in_len, &w, &hgt, &subsamp, &colorspace) == 0) {
    if (subsamp < 0) subsamp = TJSAMP_444; /* unusual sampling: the largest bound */
    /* Rotations swap the sides; the bound is symmetric in them, but headers can grow a little. */
    bound = (size_t)tjBufSize(w > hgt ? w : hgt, w > hgt ? w : hgt, subsamp) + in_len / 8 + 4096;
  } else {
    copy_error(h, err, err_len);
  }
  tjDestroy(h);
  return bound;
}

/* Applies TurboJPEG operation `op` (TJXOP_*) to `in`, writing into `out` (`cap` bytes, from
 * mjpgd_transform_bound). Partial MCU blocks at the edges that can't be moved are trimmed. Returns
 * the output length, or 0 with `err` set. */
size_t mjpgd_transform(const uint8_t *in, size_t in_len, int op, uint8_t *out, size_t cap, char *err, size_t err_len) {
  tjhandle h = tjInitTransform();
  if (!h) {
    copy_error(NULL, err, err_len);
    return 0;
  }
  tjtransform t;
  memset(&t, 0, sizeof t);
  t.op = op;
  t.options = TJXOPT_TRIM;
  unsigned char *dst = out;
  unsigned long dst_len = (unsigned long)cap;
  size_t result = 0;
  /* NOREALLOC: write into the caller's buffer or fail, never swap it for a library allocation. */
  if (tjTransform(h, in, (unsigned long)in_len, 1, &dst, &dst_len, &t, TJFLAG_NOREALLOC) == 0) {
    result = (size_t)dst_len;
  } else {
    copy_error(h, err, err_len);
  }
  tjDestroy(h);
  return result;
}
