
namespace Glimpse.Core.Images;

/// <summary>The container formats the decoder recognises; anything else SkiaSharp can read is <see cref="Other"/>.</summary>
public enum ImageFormat
{
    Other,
    Png,
    Jpeg,
    Webp,
    Bmp,
    Gif,
}

/// <summary>
/// What a header probe learns without decoding pixels. <see cref="Width"/> and <see cref="Height"/> are the size
/// <see cref="RgbImage.Decode"/> would return, that is after the EXIF orientation is applied (a 90° rotation swaps them).
/// </summary>
public sealed record ImageInfo(ImageFormat Format, int Width, int Height)
{
    public long PixelCount => (long)Width * Height;
}
