using Glimpse.Core.Images;

namespace Glimpse.Core.Validation;

/// <summary>Bounds an image must keep before a job is queued, checked from its header alone.</summary>
public sealed class ImageLimits
{
    public long MaxBytes { get; set; } = 32L * 1024 * 1024;
    /// <summary>
    /// Pixel count bound against decompression bombs: a small file whose header claims a huge image. 50 megapixels
    /// decode to 200 MB of RGBA, well under the decoder's own hard limit.
    /// </summary>
    public long MaxPixels { get; set; } = 50_000_000;
    /// <summary>
    /// How much of the image is read to find its header. PNG, GIF, BMP and WebP headers sit in the first bytes; a
    /// JPEG's frame header follows its metadata segments, which 64 KiB (one EXIF segment's maximum) covers.
    /// </summary>
    public int HeaderBytes { get; set; } = 64 * 1024;
    public IReadOnlySet<ImageFormat> AllowedFormats { get; set; } =
        new HashSet<ImageFormat> { ImageFormat.Png, ImageFormat.Jpeg, ImageFormat.Webp, ImageFormat.Gif, ImageFormat.Bmp };
}
