using Glimpse.Core.Images;

namespace Glimpse.Model.Families.LlavaNext;

/// <summary>The rows and columns of the high-resolution feature grid that survive unpadding (a block of it).</summary>
public readonly record struct FeatureBlock(int Top, int Left, int Rows, int Columns);

/// <summary>
/// LLaVA-NeXT's AnyRes arithmetic, shared by the image processor (pixels, token count, layout) and the model (feature
/// packing), so the two cannot disagree. Each function reproduces transformers 4.47's integer rules exactly.
/// </summary>
public static class AnyResolution
{
    /// <summary>transformers' default <c>image_grid_pinpoints</c> (config and processor): 336×672, 672×336, 672×672, 1008×336, 336×1008 (H×W).</summary>
    public static IReadOnlyList<PixelSize> DefaultPinpoints { get; } =
        [new(672, 336), new(336, 672), new(672, 672), new(336, 1008), new(1008, 336)];

    /// <summary>
    /// select_best_resolution: the first pinpoint with the largest effective resolution (the image scaled to fit, sides
    /// truncated, capped at the original's area); a later one with the same effective resolution wins only if it
    /// wastes strictly fewer pixels.
    /// </summary>
    public static PixelSize BestResolution(PixelSize original, IReadOnlyList<PixelSize> pinpoints)
    {
        if (pinpoints.Count == 0) throw new ArgumentException("image_grid_pinpoints is empty", nameof(pinpoints));
        PixelSize best = pinpoints[0];
        long bestEffective = 0, leastWaste = long.MaxValue;
        foreach (var candidate in pinpoints)
        {
            double scale = Math.Min((double)candidate.Width / original.Width, (double)candidate.Height / original.Height);
            long downWidth = (long)(original.Width * scale), downHeight = (long)(original.Height * scale);
            long effective = Math.Min(downWidth * downHeight, original.Area);
            long waste = candidate.Area - effective;
            if (effective > bestEffective || (effective == bestEffective && waste < leastWaste))
                (best, bestEffective, leastWaste) = (candidate, effective, waste);
        }
        return best;
    }

    /// <summary>
    /// get_patch_output_size: the limiting side becomes the target's, the other ceil(side · scale) capped at the target.
    /// </summary>
    public static PixelSize ResizedForPatching(PixelSize original, PixelSize target)
    {
        double scaleWidth = (double)target.Width / original.Width, scaleHeight = (double)target.Height / original.Height;
        return scaleWidth < scaleHeight
            ? new PixelSize(target.Width, Math.Min((int)Math.Ceiling(original.Height * scaleWidth), target.Height))
            : new PixelSize(Math.Min((int)Math.Ceiling(original.Width * scaleHeight), target.Width), target.Height);
    }

    /// <summary>(tile rows, tile columns) of the best resolution for tiles of <paramref name="tileSize"/> pixels (get_anyres_image_grid_shape).</summary>
    public static (int Rows, int Columns) TileGrid(PixelSize original, IReadOnlyList<PixelSize> pinpoints, int tileSize)
    {
        var best = BestResolution(original, pinpoints);
        return (best.Height / tileSize, best.Width / tileSize);
    }

    /// <summary>
    /// unpad_image on a <paramref name="rows"/>×<paramref name="columns"/> feature grid: the axis the original is
    /// relatively shorter on keeps int(round(side · scale, 7)) cells, and (grid − that) // 2 are removed from BOTH ends
    /// (so an odd difference keeps one more than computed). It works on features, not pixels, and can drop image content.
    /// </summary>
    public static FeatureBlock Unpad(PixelSize original, int rows, int columns)
    {
        double originalAspect = (double)original.Width / original.Height, gridAspect = (double)columns / rows;
        if (originalAspect > gridAspect)
        {
            int kept = (int)Math.Round(original.Height * ((double)columns / original.Width), 7, MidpointRounding.ToEven);
            int removed = (rows - kept) / 2;
            return new FeatureBlock(removed, 0, rows - 2 * removed, columns);
        }
        else
        {
            int kept = (int)Math.Round(original.Width * ((double)rows / original.Height), 7, MidpointRounding.ToEven);
            int removed = (columns - kept) / 2;
            return new FeatureBlock(0, removed, rows, columns - 2 * removed);
        }
    }

    /// <summary>
    /// The image tokens one image becomes (LlavaNextProcessor._get_number_of_features with strategy "default"):
    /// the base grid's cells, the unpadded high-resolution cells, and one newline per kept row.
    /// </summary>
    public static int TokenCount(PixelSize original, IReadOnlyList<PixelSize> pinpoints, int tileSize, int patchesPerSide)
    {
        var (tileRows, tileColumns) = TileGrid(original, pinpoints, tileSize);
        var block = Unpad(original, tileRows * patchesPerSide, tileColumns * patchesPerSide);
        return patchesPerSide * patchesPerSide + block.Rows * (block.Columns + 1);
    }
}
