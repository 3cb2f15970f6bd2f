"""Mastodon's media limits (4.x), enforced here and advertised in the instance entity."""

from __future__ import annotations

IMAGE_SIZE_LIMIT = 16 * 1024 * 1024  # bytes of an uploaded image
VIDEO_SIZE_LIMIT = 99 * 1024 * 1024  # bytes of an uploaded video, GIF or audio file
# An upload's whole request body may carry a thumbnail and form fields besides the file.
BODY_SLACK = 1024 * 1024
# Pixels an uploaded image may have (7680x4320), read from its header before decoding:
# a small file can declare a bomb of a bitmap.
IMAGE_MATRIX_LIMIT = 33_177_600
# Stored sizes, as areas (aspect kept): the original at most 3840x2160, the preview 640x360.
ORIGINAL_PIXELS = 8_294_400
SMALL_PIXELS = 230_400
VIDEO_MATRIX_LIMIT = 8_294_400  # 3840x2160
VIDEO_FRAME_RATE_LIMIT = 120
# A video (or GIF) may last at most this long; audio too (Mastodon: about 5 minutes at 120
# fps for video; Parley caps audio the same way so that a job's work stays bounded).
DURATION_LIMIT = 300.0
# A GIF converted to gifv keeps no more frames than this (Mastodon caps frames, not time).
MAX_FRAMES = 36_000
DESCRIPTION_LIMIT = 1_500
# A link card's image (Mastodon's PreviewCard when it runs libvips): fetched only up to this
# size and of these types, stored within 640x360 in area (the same area as a preview).
CARD_IMAGE_SIZE_LIMIT = 8 * 1024 * 1024
CARD_IMAGE_MIME_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
CARD_IMAGE_PIXELS = SMALL_PIXELS
# Another server's custom emoji (Mastodon's remote limit): its image fetched only up to this
# size, stored as a PNG within 256x256 in area.
EMOJI_SIZE_LIMIT = 256 * 1024
EMOJI_PIXELS = 65_536

IMAGE_MIME_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
VIDEO_MIME_TYPES = ("video/mp4", "video/webm", "video/quicktime")
AUDIO_MIME_TYPES = ("audio/mpeg", "audio/ogg", "audio/wav", "audio/flac", "audio/mp4")


def configuration() -> dict[str, object]:
    """configuration.media_attachments of the instance entity (v1; v2 adds the description
    limit)."""
    return {
        "supported_mime_types": [*IMAGE_MIME_TYPES, *VIDEO_MIME_TYPES, *AUDIO_MIME_TYPES],
        "image_size_limit": IMAGE_SIZE_LIMIT,
        "image_matrix_limit": IMAGE_MATRIX_LIMIT,
        "video_size_limit": VIDEO_SIZE_LIMIT,
        "video_frame_rate_limit": VIDEO_FRAME_RATE_LIMIT,
        "video_matrix_limit": VIDEO_MATRIX_LIMIT,
    }
