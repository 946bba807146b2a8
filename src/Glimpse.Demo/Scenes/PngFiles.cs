using System.Runtime.InteropServices;
using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Demo.Scenes;

/// <summary>PNG encoding of scene images and masks (lossless, so exported files decode to exactly what the model saw).</summary>
public static class PngFiles
{
    public static byte[] Encode(RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < image.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = image.Pixels[i];
            rgba[j + 1] = image.Pixels[i + 1];
            rgba[j + 2] = image.Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        return Encode(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Opaque, rgba);
    }

    /// <summary>An 8-bit greyscale PNG: 255 inside the mask, 0 outside.</summary>
    public static byte[] EncodeMask(bool[] mask, int width, int height)
    {
        if (mask.Length != width * height) throw new ArgumentException($"a {width}×{height} mask has {width * height} entries, got {mask.Length}", nameof(mask));
        return Encode(width, height, SKColorType.Gray8, SKAlphaType.Opaque, mask.Select(m => m ? (byte)255 : (byte)0).ToArray());
    }

    /// <summary>Reads a mask PNG back: true where the grey value is at least 128.</summary>
    public static bool[] DecodeMask(byte[] png, out int width, out int height)
    {
        var image = RgbImage.Decode(png);
        (width, height) = (image.Width, image.Height);
        var mask = new bool[width * height];
        for (int i = 0; i < mask.Length; i++) mask[i] = image.Pixels[i * 3] >= 128;
        return mask;
    }

    private static byte[] Encode(int width, int height, SKColorType type, SKAlphaType alpha, byte[] pixels)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, type, alpha));
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {width}×{height} PNG");
        return data.ToArray();
    }
}
