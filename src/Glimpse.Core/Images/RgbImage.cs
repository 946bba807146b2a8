
namespace Glimpse.Core.Images;

/// <summary>
/// An 8-bit RGB image, row-major with interleaved channels (HWC), the layout of a PIL "RGB" image turned into a
/// NumPy array. This is what every image processor starts from.
/// </summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }

    /// <summary>Height × Width × 3 bytes: pixel (x, y) channel c is at <c>(y * Width + x) * 3 + c</c>.</summary>
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"an image needs a positive size, got {width}×{height}");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 3)
            throw new ArgumentException($"a {width}×{height} RGB image has {(long)width * height * 3} bytes, got {pixels.LongLength}", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>An image of one colour, e.g. a padding canvas.</summary>
    public static RgbImage Filled(int width, int height, byte red, byte green, byte blue)
    {
        var pixels = new byte[(long)width * height * 3];
        for (long i = 0; i < pixels.LongLength; i += 3)
        {
            pixels[i] = red;
            pixels[i + 1] = green;
            pixels[i + 2] = blue;
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Reads and decodes an image file. A missing file is a <see cref="FileNotFoundException"/>; unreadable content is an <see cref="ImageDecodeException"/>.</summary>
    public static RgbImage Load(string path) => SkiaImageDecoder.Decode(File.ReadAllBytes(path), $"'{path}'");

    /// <summary>Decodes PNG, JPEG, WebP, BMP or GIF (first frame) bytes to RGB; transparency is composited onto white.</summary>
    /// <param name="bytes">The encoded image.</param>
    /// <param name="inputName">How error messages name the input; defaults to the buffer size.</param>
    public static RgbImage Decode(byte[] bytes, string? inputName = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return SkiaImageDecoder.Decode(bytes, inputName ?? $"<{bytes.Length}-byte buffer>");
    }

    /// <summary>Reads only the header: the format and size, or null when the bytes are not a recognised image.</summary>
    public static ImageInfo? Probe(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return SkiaImageDecoder.Probe(bytes);
    }

    /// <summary>
    /// Reads only the header from the stream's current position, or returns null when it is not a recognised image.
    /// The stream stays open; its position afterwards is unspecified.
    /// </summary>
    public static ImageInfo? Probe(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return SkiaImageDecoder.Probe(stream);
    }

    /// <summary>Copies the rectangle at (<paramref name="left"/>, <paramref name="top"/>), which must lie inside the image.</summary>
    public RgbImage Crop(int left, int top, int width, int height)
    {
        if (left < 0 || top < 0 || width <= 0 || height <= 0 || left + width > Width || top + height > Height)
            throw new ArgumentOutOfRangeException(nameof(left), $"crop ({left}, {top}, {width}×{height}) is not inside a {Width}×{Height} image");
        var pixels = new byte[(long)width * height * 3];
        for (int y = 0; y < height; y++)
            Array.Copy(Pixels, ((long)(top + y) * Width + left) * 3, pixels, (long)y * width * 3, (long)width * 3);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>Copies this image onto <paramref name="canvas"/> with its top-left corner at (left, top); parts outside the canvas are dropped.</summary>
    public void PasteOnto(RgbImage canvas, int left, int top)
    {
        int x0 = Math.Max(0, -left), x1 = Math.Min(Width, canvas.Width - left);
        int y0 = Math.Max(0, -top), y1 = Math.Min(Height, canvas.Height - top);
        if (x1 <= x0) return;
        for (int y = y0; y < y1; y++)
            Array.Copy(Pixels, ((long)y * Width + x0) * 3, canvas.Pixels, ((long)(top + y) * canvas.Width + left + x0) * 3, (long)(x1 - x0) * 3);
    }
}
