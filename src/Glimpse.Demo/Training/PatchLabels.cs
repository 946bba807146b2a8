using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Training;

/// <summary>
/// Targets of the auxiliary patch loss: for each image patch (row-major, as the image tokens), the shape and colour of
/// the object covering most of it, or "none" (the last class) when no object covers a sixteenth of the patch.
/// </summary>
public static class PatchLabels
{
    public static int ShapeClasses => ShapeNames.All.Count + 1;
    public static int ColorClasses => ObjectColors.All.Count + 1;

    public static (long[] Shapes, long[] Colors) Of(Scene scene, int patchSize)
    {
        int columns = scene.Width / patchSize, rows = scene.Height / patchSize;
        var coverage = new int[scene.Objects.Count, rows * columns];
        for (int i = 0; i < scene.Objects.Count; i++)
        {
            var mask = SceneRenderer.ObjectMask(scene, i);
            for (int y = 0; y < rows * patchSize; y++)
            for (int x = 0; x < columns * patchSize; x++)
                if (mask[y * scene.Width + x]) coverage[i, y / patchSize * columns + x / patchSize]++;
        }
        var shapes = new long[rows * columns];
        var colors = new long[rows * columns];
        for (int p = 0; p < shapes.Length; p++)
        {
            int best = -1, most = patchSize * patchSize / 16 - 1;
            for (int i = 0; i < scene.Objects.Count; i++)
                if (coverage[i, p] > most) (best, most) = (i, coverage[i, p]);
            shapes[p] = best < 0 ? ShapeNames.All.Count : (long)scene.Objects[best].Shape;
            colors[p] = best < 0 ? ObjectColors.All.Count : (long)scene.Objects[best].Color;
        }
        return (shapes, colors);
    }
}
