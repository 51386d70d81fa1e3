/* Thin wrapper over the system libjpeg(-turbo) API: planar YCbCr in, JPEG into a caller-owned
 * buffer out. Kept in C because libjpeg reports errors with longjmp, which Rust can't unwind. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} error_mgr;

typedef struct {
  struct jpeg_destination_mgr pub;
  uint8_t *out;
  size_t cap;
  int overflow;
  uint8_t spill[4096]; /* absorbs output once `out` is full; the result is then an error */
} dest_mgr;

typedef struct {
  struct jpeg_compress_struct cinfo;
  error_mgr err;
  dest_mgr dest;
  int configured_w, configured_h, configured_q, configured_vsub;
} mjpgd_encoder;

static void on_error(j_common_ptr cinfo) {
  error_mgr *err = (error_mgr *)cinfo->err;
  (*cinfo->err->format_message)(cinfo, err->message);
  longjmp(err->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level) { (void)cinfo; (void)level; }

static void dest_init(j_compress_ptr cinfo) {
  dest_mgr *d = (dest_mgr *)cinfo->dest;
  d->pub.next_output_byte = d->out;
  d->pub.free_in_buffer = d->cap;
  d->overflow = 0;
}

static boolean dest_empty(j_compress_ptr cinfo) {
  dest_mgr *d = (dest_mgr *)cinfo->dest;
  d->overflow = 1;
  d->pub.next_output_byte = d->spill;
  d->pub.free_in_buffer = sizeof d->spill;
  return TRUE;
}

static void dest_term(j_compress_ptr cinfo) { (void)cinfo; }

static int create_compress(mjpgd_encoder *e) {
  if (setjmp(e->err.jump)) return -1;
  jpeg_create_compress(&e->cinfo);
  return 0;
}

void *mjpgd_encoder_new(void) {
  mjpgd_encoder *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->cinfo.err = jpeg_std_error(&e->err.pub);
  e->err.pub.error_exit = on_error;
  e->err.pub.emit_message = on_message;
  if (create_compress(e) != 0) { free(e); return NULL; }
  e->dest.pub.init_destination = dest_init;
  e->dest.pub.empty_output_buffer = dest_empty;
  e->dest.pub.term_destination = dest_term;
  e->cinfo.dest = &e->dest.pub;
  return e;
}

void mjpgd_encoder_free(void *handle) {
  mjpgd_encoder *e = handle;
  if (!e) return;
  jpeg_destroy_compress(&e->cinfo);
  free(e);
}

const char *mjpgd_encoder_error(void *handle) { return ((mjpgd_encoder *)handle)->err.message; }

/* Encodes planar Y/Cb/Cr. Chroma is half width; half height too when vsub == 2 (4:2:0), else 4:2:2.
 * Planes must be readable up to a multiple of 16 columns (strides are padded by the caller); rows past
 * the bottom repeat the last row, so heights need no padding.
 * Returns the JPEG length, -1 on a libjpeg error, -2 when `cap` was too small. */
long mjpgd_encode_planar(void *handle, const uint8_t *y, const uint8_t *cb, const uint8_t *cr,
                         int width, int height, int y_stride, int c_stride, int vsub, int quality,
                         uint8_t *out, size_t cap) {
  mjpgd_encoder *e = handle;
  struct jpeg_compress_struct *c = &e->cinfo;
  JSAMPROW yrows[16], cbrows[16], crrows[16];
  JSAMPARRAY planes[3] = {yrows, cbrows, crrows};
  int chroma_h = vsub == 2 ? (height + 1) / 2 : height;
  int mcu_rows = 8 * vsub;
  e->err.message[0] = 0;
  e->dest.out = out;
  e->dest.cap = cap;
  if (setjmp(e->err.jump)) {
    jpeg_abort_compress(c);
    e->configured_w = 0;
    return -1;
  }
  if (e->configured_w != width || e->configured_h != height || e->configured_q != quality ||
      e->configured_vsub != vsub) {
    c->image_width = width;
    c->image_height = height;
    c->input_components = 3;
    c->in_color_space = JCS_YCbCr;
    jpeg_set_defaults(c);
    jpeg_set_colorspace(c, JCS_YCbCr);
    jpeg_set_quality(c, quality, TRUE);
    c->raw_data_in = TRUE;
    c->dct_method = JDCT_ISLOW;
    c->comp_info[0].h_samp_factor = 2;
    c->comp_info[0].v_samp_factor = vsub;
    c->comp_info[1].h_samp_factor = c->comp_info[2].h_samp_factor = 1;
    c->comp_info[1].v_samp_factor = c->comp_info[2].v_samp_factor = 1;
    e->configured_w = width;
    e->configured_h = height;
    e->configured_q = quality;
    e->configured_vsub = vsub;
  }
  jpeg_start_compress(c, TRUE);
  while (c->next_scanline < c->image_height) {
    int row0 = c->next_scanline;
    for (int i = 0; i < mcu_rows; i++) {
      int r = row0 + i < height ? row0 + i : height - 1;
      yrows[i] = (JSAMPROW)(y + (size_t)r * y_stride);
    }
    for (int i = 0; i < 8; i++) {
      int r = row0 / vsub + i;
      if (r >= chroma_h) r = chroma_h - 1;
      cbrows[i] = (JSAMPROW)(cb + (size_t)r * c_stride);
      crrows[i] = (JSAMPROW)(cr + (size_t)r * c_stride);
    }
    jpeg_write_raw_data(c, planes, mcu_rows);
  }
  jpeg_finish_compress(c);
  if (e->dest.overflow) return -2;
  return (long)(cap - e->dest.pub.free_in_buffer);
}
