using Glimpse.Core.Images;

namespace Glimpse.Core.Validation;

/// <summary>
/// Checks an image from its first bytes alone (a ranged read of <see cref="ImageLimits.HeaderBytes"/>), before
/// anything is queued: not empty, not too large in bytes, a recognised and allowed format, positive dimensions, and a
/// pixel count within bounds, so a decompression bomb (a small file claiming a huge image) never reaches a decoder.
/// Pixel data is not read, so an image whose header is fine but whose data is corrupt passes here and fails in the
/// worker. Never throws for any bytes.
/// </summary>
public sealed class ImageHeaderValidator(ImageLimits limits)
{
    public ImageLimits Limits => limits;

    /// <param name="prefix">The image's first bytes (all of it when shorter than <see cref="ImageLimits.HeaderBytes"/>).</param>
    /// <param name="totalBytes">The image's full size in bytes.</param>
    public ImageHeaderValidation Validate(byte[] prefix, long totalBytes)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (totalBytes == 0 || prefix.Length == 0) return Rejected(null, "the image is empty (0 bytes)");
        if (totalBytes > limits.MaxBytes) return Rejected(null, $"the image is {totalBytes} bytes; the limit is {limits.MaxBytes}");

        ImageInfo? info = RgbImage.Probe(prefix);
        if (info is null)
            return Rejected(null, prefix.Length < totalBytes
                ? $"no PNG, JPEG, WebP, GIF or BMP header in the image's first {prefix.Length} bytes"
                : "not a recognised PNG, JPEG, WebP, GIF or BMP image");

        var problems = new List<string>();
        if (!limits.AllowedFormats.Contains(info.Format))
            problems.Add($"the image format is not allowed; allowed: {string.Join(", ", limits.AllowedFormats.Order().Select(f => f.ToString().ToUpperInvariant()))}");
        if (info.Width <= 0 || info.Height <= 0)
            problems.Add($"the image header claims {info.Width}×{info.Height} pixels");
        else if (info.PixelCount > limits.MaxPixels)
            problems.Add($"the image is {info.Width}×{info.Height} = {info.PixelCount} pixels; the limit is {limits.MaxPixels} (decompression-bomb guard)");
        return new ImageHeaderValidation(info, problems);
    }

    private static ImageHeaderValidation Rejected(ImageInfo? info, string problem) => new(info, [problem]);
}
