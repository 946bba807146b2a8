using System.Runtime.InteropServices;
using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Small evaluation datasets written by the tests: images with a coloured square, its mask or a graded map, data.jsonl.</summary>
internal static class EvalFolders
{
    public const int Width = 48, Height = 40;

    /// <summary>Encodes unpremultiplied RGBA bytes as PNG.</summary>
    public static byte[] Png(int width, int height, byte[] rgba)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    public static byte[] Png(RgbImage image)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0; i < image.Width * image.Height; i++)
        {
            rgba[4 * i] = image.Pixels[3 * i];
            rgba[4 * i + 1] = image.Pixels[3 * i + 1];
            rgba[4 * i + 2] = image.Pixels[3 * i + 2];
            rgba[4 * i + 3] = 255;
        }
        return Png(image.Width, image.Height, rgba);
    }

    /// <summary>A fresh, empty folder beside the test binaries.</summary>
    public static string Fresh(string name)
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "eval-data", name);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>
    /// <paramref name="count"/> items, a red square on noise in each, at a place that moves with the index. Even items
    /// carry the square's mask and an expected answer; odd ones a graded map (bright at the square, dimmer around it)
    /// and no answer.
    /// </summary>
    /// <param name="scale">multiplies the image's size (48 × 40) and the square's place and size</param>
    public static string Write(string name, int count, int scale = 1)
    {
        string folder = Fresh(name);
        var items = new List<EvalItem>();
        int width = Width * scale, height = Height * scale;
        for (int i = 0; i < count; i++)
        {
            int left = (4 + 9 * i % 28) * scale, top = (6 + 5 * i % 20) * scale, side = 14 * scale, margin = 4 * scale;
            var random = new Random(i);
            var pixels = new byte[width * height * 3];
            random.NextBytes(pixels);
            for (int p = 0; p < pixels.Length; p++) pixels[p] = (byte)(60 + pixels[p] / 4);
            var reference = new byte[width * height * 4];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    bool inside = x >= left && x < left + side && y >= top && y < top + side;
                    bool near = x >= left - margin && x < left + side + margin && y >= top - margin && y < top + side + margin;
                    if (inside) (pixels[(y * width + x) * 3], pixels[(y * width + x) * 3 + 1], pixels[(y * width + x) * 3 + 2]) = ((byte)220, (byte)30, (byte)30);
                    byte value = (byte)(inside ? 255 : near && i % 2 == 1 ? 90 : 0);
                    reference[(y * width + x) * 4] = reference[(y * width + x) * 4 + 1] = reference[(y * width + x) * 4 + 2] = value;
                    reference[(y * width + x) * 4 + 3] = 255;
                }
            }
            File.WriteAllBytes(Path.Combine(folder, $"image-{i}.png"), Png(new RgbImage(width, height, pixels)));
            Directory.CreateDirectory(Path.Combine(folder, "references"));
            File.WriteAllBytes(Path.Combine(folder, "references", $"ref-{i}.png"), Png(width, height, reference));
            items.Add(new EvalItem
            {
                Id = $"item-{i}",
                Image = $"image-{i}.png",
                Question = i % 2 == 0 ? "what color is the square?" : "where is the square, \"left\" or right?",
                Answer = i % 2 == 0 ? "Red." : null,
                Reference = $"references/ref-{i}.png",
                ReferenceKind = i % 2 == 0 ? ReferenceKind.Mask : ReferenceKind.Map,
                Tags = new Dictionary<string, string> { ["type"] = i % 2 == 0 ? "color" : "position" },
            });
        }
        EvalDataset.WriteIndex(folder, items);
        return folder;
    }
}
