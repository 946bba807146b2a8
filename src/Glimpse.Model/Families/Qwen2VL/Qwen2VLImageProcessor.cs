using Glimpse.Core.Images;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>
/// The settings of Hugging Face's <c>Qwen2VLImageProcessor</c> (also used by Qwen2.5-VL). Defaults are Hugging Face's.
/// </summary>
public sealed record Qwen2VLImageProcessorOptions
{
    public bool DoResize { get; init; } = true;
    /// <summary>Lower bound on the resized area (56·56 by default).</summary>
    public int MinPixels { get; init; } = 56 * 56;
    /// <summary>Upper bound on the resized area (28·28·1280 by default).</summary>
    public int MaxPixels { get; init; } = 28 * 28 * 1280;
    public int PatchSize { get; init; } = 14;
    public int MergeSize { get; init; } = 2;
    public int TemporalPatchSize { get; init; } = 2;
    public PilResampleFilter Resample { get; init; } = PilResampleFilter.Bicubic;
    public bool DoRescale { get; init; } = true;
    public double RescaleFactor { get; init; } = 1.0 / 255;
    public bool DoNormalize { get; init; } = true;
    public ChannelStatistics Normalization { get; init; } = ChannelStatistics.OpenAiClip;

    internal static Qwen2VLImageProcessorOptions FromConfig(PreprocessorConfig config)
    {
        var defaults = new Qwen2VLImageProcessorOptions();
        // Top-level min_pixels / max_pixels win (they override size{} in Hugging Face); size{} holds them under either
        // their own names or, in newer configs, shortest_edge / longest_edge.
        var size = config.Section("size");
        int minPixels = config.Int("min_pixels") ?? size?.Int("min_pixels") ?? size?.Int("shortest_edge") ?? defaults.MinPixels;
        int maxPixels = config.Int("max_pixels") ?? size?.Int("max_pixels") ?? size?.Int("longest_edge") ?? defaults.MaxPixels;
        return new Qwen2VLImageProcessorOptions
        {
            DoResize = config.Bool("do_resize", defaults.DoResize),
            MinPixels = minPixels,
            MaxPixels = maxPixels,
            PatchSize = config.Int("patch_size", defaults.PatchSize),
            MergeSize = config.Int("merge_size", defaults.MergeSize),
            TemporalPatchSize = config.Int("temporal_patch_size", defaults.TemporalPatchSize),
            Resample = config.Resample(defaults.Resample),
            DoRescale = config.Bool("do_rescale", defaults.DoRescale),
            RescaleFactor = config.Double("rescale_factor", defaults.RescaleFactor),
            DoNormalize = config.Bool("do_normalize", defaults.DoNormalize),
            Normalization = ChannelStatistics.FromConfig(config),
        };
    }
}

/// <summary>
/// Hugging Face's <c>Qwen2VLImageProcessor</c> (transformers 4.47) for one image: <see cref="SmartResize"/> to
/// multiples of patch × merge, PIL resize, ×1/255, normalise, then cut into patch rows. The image is repeated to
/// <c>temporal_patch_size</c> frames; <c>pixel_values</c> is [grid_t·grid_h·grid_w, C·T·P·P] with rows ordered
/// (t, h / merge, w / merge, h % merge, w % merge), so each merge × merge block of patches is consecutive, and
/// each row flattened as (C, T, P, P), the layout of the Conv3d patch embedding's weight.
/// The LLM sees one token per merge × merge block: a (grid_h / merge) × (grid_w / merge) grid.
/// </summary>
public sealed class Qwen2VLImageProcessor : IImageProcessor
{
    /// <summary>transformers' MAX_RATIO: smart_resize refuses images longer than 200 times their width, or the reverse.</summary>
    public const int MaxAspectRatio = 200;

    public Qwen2VLImageProcessorOptions Options { get; }

    public Qwen2VLImageProcessor(Qwen2VLImageProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MergeSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TemporalPatchSize, 1);
        if (options.MinPixels < 1 || options.MaxPixels < options.MinPixels)
            throw new ArgumentException($"need 1 ≤ MinPixels ≤ MaxPixels, got {options.MinPixels} and {options.MaxPixels}", nameof(options));
        Options = options;
    }

    /// <summary>
    /// transformers' smart_resize: each side rounded to a multiple of <paramref name="factor"/> (Python round, half to
    /// even); if the area then exceeds <paramref name="maxPixels"/>, both sides are scaled down by √(h·w / max) and
    /// floored to the multiple, and if it is under <paramref name="minPixels"/>, scaled up by √(min / (h·w)) and ceiled.
    /// The floored side is kept at least one factor, as newer transformers versions do, where 4.47 would return 0.
    /// </summary>
    /// <exception cref="ArgumentException">A side shorter than the factor, or an aspect ratio above 200.</exception>
    public static PixelSize SmartResize(int height, int width, int factor, int minPixels, int maxPixels)
    {
        if (height < factor || width < factor)
            throw new ArgumentException($"the image is {width}×{height} pixels; Qwen2-VL needs both sides at least {factor} (patch × merge) pixels");
        if ((double)Math.Max(height, width) / Math.Min(height, width) > MaxAspectRatio)
            throw new ArgumentException($"the image is {width}×{height} pixels; Qwen2-VL refuses aspect ratios above {MaxAspectRatio}");
        int hBar = (int)Math.Round((double)height / factor, MidpointRounding.ToEven) * factor;
        int wBar = (int)Math.Round((double)width / factor, MidpointRounding.ToEven) * factor;
        if ((long)hBar * wBar > maxPixels)
        {
            double beta = Math.Sqrt((double)height * width / maxPixels);
            hBar = Math.Max(factor, (int)Math.Floor(height / beta / factor) * factor);
            wBar = Math.Max(factor, (int)Math.Floor(width / beta / factor) * factor);
        }
        else if ((long)hBar * wBar < minPixels)
        {
            double beta = Math.Sqrt((double)minPixels / ((double)height * width));
            hBar = (int)Math.Ceiling(height * beta / factor) * factor;
            wBar = (int)Math.Ceiling(width * beta / factor) * factor;
        }
        return new PixelSize(wBar, hBar);
    }

    public ProcessedImage Process(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int patch = Options.PatchSize, merge = Options.MergeSize, temporal = Options.TemporalPatchSize;
        int factor = patch * merge;

        var size = Options.DoResize
            ? SmartResize(image.Height, image.Width, factor, Options.MinPixels, Options.MaxPixels)
            : new PixelSize(image.Width, image.Height);
        if (size.Width % factor != 0 || size.Height % factor != 0)
            throw new ArgumentException($"with do_resize off the image must be a multiple of {factor} pixels on each side, got {size.Width}×{size.Height}");
        var resized = Options.DoResize ? PilResample.Resize(image, size.Width, size.Height, Options.Resample) : image;

        var values = PixelNormalization.ToChannelsFirst(resized,
            Options.DoRescale ? Options.RescaleFactor : null,
            Options.DoNormalize ? Options.Normalization : null);
        // One image tiled to temporal_patch_size frames fills exactly one temporal patch.
        int gridT = 1, gridH = size.Height / patch, gridW = size.Width / patch;

        torch.Tensor pixelValues;
        using (torch.NewDisposeScope())
        {
            // One image becomes temporal_patch_size identical frames, then HF's reshape/transpose into patch rows.
            var frames = torch.tensor(values, [1, 3, size.Height, size.Width]).expand(temporal, 3, size.Height, size.Width);
            pixelValues = frames
                .reshape(gridT, temporal, 3, gridH / merge, merge, patch, gridW / merge, merge, patch)
                .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
                .reshape(gridT * gridH * gridW, 3 * temporal * patch * patch)
                .contiguous()
                .MoveToOuterDisposeScope();
        }

        var geometry = new ImageGeometry(new PixelSize(image.Width, image.Height), size, new PixelRect(0, 0, size.Width, size.Height));
        return new ProcessedImage(pixelValues, [gridT, gridH, gridW], ImageTokenLayout.SingleGrid(gridH / merge, gridW / merge, factor, geometry));
    }
}
