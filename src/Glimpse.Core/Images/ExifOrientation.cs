using SkiaSharp;

namespace Glimpse.Core.Images;

/// <summary>
/// Turns decoded pixels upright according to the EXIF orientation tag, like PIL's <c>ImageOps.exif_transpose</c>
/// (which Hugging Face's <c>load_image</c> calls). SKCodec reports the tag but does not apply it.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>Orientations 5–8 store the image transposed, so the displayed width is the stored height.</summary>
    public static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    public static RgbImage Apply(RgbImage stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return stored;
        int w = stored.Width, h = stored.Height;
        var (outWidth, outHeight) = SwapsAxes(origin) ? (h, w) : (w, h);
        var pixels = new byte[stored.Pixels.LongLength];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                // The stored pixel that lands at displayed position (x, y).
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),             // mirrored left-right
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),  // rotated 180°
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),           // mirrored top-bottom
                    SKEncodedOrigin.LeftTop => (y, x),                      // transposed
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),             // needs a 90° clockwise turn
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),  // transversed
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),           // needs a 90° anticlockwise turn
                    _ => (x, y),
                };
                Array.Copy(stored.Pixels, ((long)sy * w + sx) * 3, pixels, ((long)y * outWidth + x) * 3, 3);
            }
        }
        return new RgbImage(outWidth, outHeight, pixels);
    }
}
