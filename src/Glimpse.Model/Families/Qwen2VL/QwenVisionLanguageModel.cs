using Glimpse.Model.Architectures;
using Glimpse.Model.Configuration;
using Glimpse.Model.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.Qwen2VL;

/// <summary>What the Qwen vision-language configs share beside their vision towers: the vision token ids.</summary>
public abstract record QwenVLConfig : VisionLanguageConfig
{
    public required long VisionStartTokenId { get; init; }
    public required long VisionEndTokenId { get; init; }
    /// <summary>The video placeholder; a video block in a prompt is refused (still images only).</summary>
    public required long VideoTokenId { get; init; }
    /// <summary>The side, in patches, of the square of patches the merger folds into one token.</summary>
    public abstract int SpatialMergeSize { get; }
}

/// <summary>A Qwen vision tower: processor-ordered patch rows of one image → one row per image token, raster order.</summary>
public interface IQwenVisionTower
{
    /// <param name="pixels">[Np, C·T·P·P] patch rows in the processor's merge-block order</param>
    /// <param name="gridThw">(t, h, w) in patches</param>
    /// <param name="trace">when given, receives the tower's intermediate outputs (tests compare them)</param>
    /// <returns>[Np / merge², D_text]</returns>
    Tensor Forward(Tensor pixels, long[] gridThw, List<Tensor>? trace = null);
}

/// <summary>The Qwen towers' input: patch rows in the processor's merge-block order.</summary>
public static class QwenPatchRows
{
    /// <summary>
    /// Checks pixel rows against their (t, h, w) grid before any native code sees them (a wrong shape would otherwise
    /// fail inside libtorch).
    /// </summary>
    /// <exception cref="ArgumentException">The rows do not fill the grid, or the grid is not a multiple of the merge size.</exception>
    public static void Validate(Tensor pixels, long[] gridThw, int inChannels, int temporalPatchSize, int patchSize, int mergeSize, string familyName)
    {
        long patches = gridThw[0] * gridThw[1] * gridThw[2];
        long rowWidth = (long)inChannels * temporalPatchSize * patchSize * patchSize;
        if (pixels.dim() != 2 || pixels.shape[0] != patches || pixels.shape[1] != rowWidth)
            throw new ArgumentException($"{familyName} expects pixel_values [{patches}, {rowWidth}] for grid [{string.Join(", ", gridThw)}], got [{string.Join(", ", pixels.shape)}].");
        if (gridThw[1] % mergeSize != 0 || gridThw[2] % mergeSize != 0)
            throw new ArgumentException($"The patch grid [{string.Join(", ", gridThw)}] is not a multiple of the merge size {mergeSize}.");
    }
}

/// <summary>
/// The Qwen vision-language models (Qwen2-VL, Qwen2.5-VL): a vision tower (<c>visual</c>) over patch rows, a Qwen2
/// decoder with multimodal rotary positions (t, h, w) from <see cref="MultimodalPositions"/>. Still images only.
/// </summary>
public abstract class QwenVisionLanguageModel<TTower> : VisionLanguageModel where TTower : CheckpointModule, IQwenVisionTower
{
    private readonly QwenVLConfig _config;
    private readonly string _familyName;

    protected QwenVisionLanguageModel(string name, string familyName, QwenVLConfig config, TTower visual) : base(name, config)
    {
        (_config, _familyName, Visual) = (config, familyName, visual);
        register_module("visual", visual);
        RegisterLanguageModel();
    }

    public TTower Visual { get; }

    public override Tensor EncodeImage(ImageInput image)
    {
        var grid = image.GridThw ?? throw new ArgumentException($"{_familyName} needs the image's (t, h, w) patch grid.");
        return Visual.Forward(image.PixelValues.to(DType, Device), grid);
    }

    /// <summary>Multimodal rotary positions (t, h, w): <see cref="MultimodalPositions"/>.</summary>
    public override (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image)
    {
        // Hugging Face reads a video block as vision_start followed by the video placeholder; its temporal positions
        // need the video's frame timing, which no input of ours carries.
        for (int i = 0; i + 1 < ids.Length; i++)
        {
            if (ids[i] == _config.VisionStartTokenId && ids[i + 1] == _config.VideoTokenId)
                throw new ArgumentException(
                    $"The prompt holds a video block (vision_start {_config.VisionStartTokenId} followed by video token {_config.VideoTokenId}) " +
                    $"at position {i}; {_familyName} video input is not supported, only still images.");
        }
        return MultimodalPositions.Compute(ids, _config.ImageTokenId, image?.GridThw, _config.SpatialMergeSize, Device);
    }
}
