using System.Runtime.InteropServices;
using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Demo.Scenes;

/// <summary>
/// Draws scenes with SkiaSharp (antialiased) and computes each object's pixel mask: the pixels its own antialiased
/// drawing covers at least half, the same test whether the object is drawn alone or in the scene.
/// </summary>
public static class SceneRenderer
{
    public static RgbImage Render(Scene scene)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(scene.Background.R, scene.Background.G, scene.Background.B));
            using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };
            foreach (var c in scene.Clutter)
            {
                stroke.Color = new SKColor(c.Gray, c.Gray, c.Gray);
                stroke.StrokeWidth = (float)c.Width;
                canvas.DrawLine((float)c.X1, (float)c.Y1, (float)c.X2, (float)c.Y2, stroke);
            }
            using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
            foreach (var o in scene.Objects)
            {
                fill.Color = new SKColor(o.Paint.R, o.Paint.G, o.Paint.B);
                using var path = ShapePath(o);
                canvas.DrawPath(path, fill);
            }
        }
        var rgba = ReadPixels(bitmap);
        var rgb = new byte[scene.Width * scene.Height * 3];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgb[i] = rgba[j];
            rgb[i + 1] = rgba[j + 1];
            rgb[i + 2] = rgba[j + 2];
        }
        return new RgbImage(scene.Width, scene.Height, rgb);
    }

    /// <summary>Row-major, one entry per pixel: true where object <paramref name="index"/> covers at least half the pixel.</summary>
    public static bool[] ObjectMask(Scene scene, int index)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(scene.Width, scene.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Transparent);
            using var fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = SKColors.White };
            using var path = ShapePath(scene.Objects[index]);
            canvas.DrawPath(path, fill);
        }
        var rgba = ReadPixels(bitmap);
        var mask = new bool[scene.Width * scene.Height];
        for (int i = 0; i < mask.Length; i++) mask[i] = rgba[i * 4 + 3] >= 128;
        return mask;
    }

    /// <summary>The union of the masks of the objects listed (all false for none).</summary>
    public static bool[] EvidenceMask(Scene scene, IEnumerable<int> objects)
    {
        var union = new bool[scene.Width * scene.Height];
        foreach (int index in objects)
        {
            var mask = ObjectMask(scene, index);
            for (int i = 0; i < union.Length; i++) union[i] |= mask[i];
        }
        return union;
    }

    /// <summary>
    /// The outline of an object. Every shape spans about the same area inside its radius, so size does not give the
    /// shape away; triangles, stars and crosses are rotated by the object's angle.
    /// </summary>
    public static SKPath ShapePath(SceneObject o)
    {
        var path = new SKPath();
        float x = (float)o.X, y = (float)o.Y, r = (float)o.Radius;
        switch (o.Shape)
        {
            case ShapeKind.Circle:
                path.AddCircle(x, y, r * 0.9f);
                break;
            case ShapeKind.Square:
                path.AddPoly(RegularPolygon(x, y, r * 0.95f, 4, o.RotationDegrees + 45), close: true);
                break;
            case ShapeKind.Triangle:
                path.AddPoly(RegularPolygon(x, y, r, 3, o.RotationDegrees - 90), close: true);
                break;
            case ShapeKind.Star:
                path.AddPoly(Star(x, y, r, r * 0.45f, o.RotationDegrees - 90), close: true);
                break;
            case ShapeKind.Cross:
                path.AddPoly(Cross(x, y, r * 0.95f, r * 0.34f, o.RotationDegrees), close: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(o), o.Shape, null);
        }
        return path;
    }

    private static SKPoint[] RegularPolygon(float x, float y, float r, int corners, double startDegrees) =>
        Enumerable.Range(0, corners).Select(k => Polar(x, y, r, startDegrees + 360.0 * k / corners)).ToArray();

    private static SKPoint[] Star(float x, float y, float outer, float inner, double startDegrees) =>
        Enumerable.Range(0, 10).Select(k => Polar(x, y, k % 2 == 0 ? outer : inner, startDegrees + 36.0 * k)).ToArray();

    /// <summary>A plus sign of arm half-length <paramref name="arm"/> and half-thickness <paramref name="half"/>, rotated.</summary>
    private static SKPoint[] Cross(float x, float y, float arm, float half, double degrees)
    {
        (float, float)[] outline =
        [
            (half, arm), (half, half), (arm, half), (arm, -half), (half, -half), (half, -arm),
            (-half, -arm), (-half, -half), (-arm, -half), (-arm, half), (-half, half), (-half, arm),
        ];
        double a = degrees * Math.PI / 180;
        float cos = (float)Math.Cos(a), sin = (float)Math.Sin(a);
        return outline.Select(p => new SKPoint(x + p.Item1 * cos - p.Item2 * sin, y + p.Item1 * sin + p.Item2 * cos)).ToArray();
    }

    private static SKPoint Polar(float x, float y, float r, double degrees)
    {
        double a = degrees * Math.PI / 180;
        return new SKPoint(x + r * (float)Math.Cos(a), y + r * (float)Math.Sin(a));
    }

    private static byte[] ReadPixels(SKBitmap bitmap)
    {
        var bytes = new byte[bitmap.Width * bitmap.Height * 4];
        Marshal.Copy(bitmap.GetPixels(), bytes, 0, bytes.Length);
        return bytes;
    }
}
