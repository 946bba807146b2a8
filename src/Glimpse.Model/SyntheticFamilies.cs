using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Families.LlavaNext;
using TorchSharp;

namespace Glimpse.Model;

/// <summary>Random pixels in one family's model-input layout, and how many image tokens they become. Owns the tensor.</summary>
public sealed class SyntheticImage(ImageInput input, int imageTokens) : IDisposable
{
    public ImageInput Input { get; } = input;
    public int ImageTokens { get; } = imageTokens;
    public void Dispose() => Input.PixelValues.Dispose();
}

/// <summary>A benchmark layout: a random-weight model of one family's shape and a random image input that fits it.</summary>
/// <param name="Name">the name <c>glimpse bench runtime --family</c> takes (the family's model_type)</param>
/// <param name="Description">what the layout is, for the option's help</param>
public sealed record SyntheticFamily(string Name, string Description, Func<SyntheticShape, VisionLanguageModel> Create,
    Func<SyntheticShape, SyntheticImage> RandomImage);

/// <summary>The layouts the benchmarks can build, one entry per family.</summary>
public static class SyntheticFamilies
{
    public static IReadOnlyList<SyntheticFamily> All { get; } =
    [
        new("llava", "CLIP + projector + Llama; image tokens = --image-side²",
            s => SyntheticModel.Llava(s), s => SquareImage(s.ImageTokensPerSide * SyntheticModel.PatchSize, s.ImageTokensPerSide * s.ImageTokensPerSide)),
        new("qwen2_5_vl", "window-attention ViT + merger + Qwen2 with M-RoPE; --image-side is the merged token grid side",
            s => SyntheticModel.Qwen25VL(s), s => QwenPatchRows(s.ImageTokensPerSide, SyntheticModel.PatchSize)),
        new("qwen3_vl", "ViT with a learned position grid + merger + DeepStack + Qwen3 with interleaved M-RoPE; --image-side is the merged token grid side",
            s => SyntheticModel.Qwen3VL(s), s => QwenPatchRows(s.ImageTokensPerSide, SyntheticModel.Qwen3PatchSize)),
        new("llava_next", "LLaVA's tower on AnyRes tiles of --image-side² patches plus a base image; --original sets the tiling",
            s => SyntheticModel.LlavaNext(s), LlavaNextViews),
        new("idefics3", "SigLIP + pixel shuffle + Llama on SmolVLM's 4×4 tiles + global image of 512-pixel frames, 1,088 image tokens; --image-side is not used",
            s => SyntheticModel.Idefics3(s), _ => Idefics3Frames()),
    ];

    /// <exception cref="ArgumentException">No layout has this name.</exception>
    public static SyntheticFamily For(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"--family '{name}' is not known; use {string.Join(", ", All.Select(f => f.Name))}.");

    /// <summary>One square image [1, 3, S, S].</summary>
    private static SyntheticImage SquareImage(int side, int imageTokens) => new(new ImageInput(torch.randn(1, 3, side, side)), imageTokens);

    /// <summary>Qwen patch rows [(2·side)², 3·2·P·P] on a (1, 2·side, 2·side) patch grid: side² merged tokens.</summary>
    private static SyntheticImage QwenPatchRows(int side, int patch) =>
        new(new ImageInput(torch.randn(4L * side * side, 3 * 2 * patch * patch), [1, 2L * side, 2L * side]), side * side);

    /// <summary>Random views [1 + tiles, 3, S, S] for the tiling an original of <see cref="SyntheticShape.OriginalInTiles"/> gets.</summary>
    private static SyntheticImage LlavaNextViews(SyntheticShape s)
    {
        var config = SyntheticModel.LlavaNextConfig(s);
        int tile = config.Vision.ImageSize;
        var original = new PixelSize(Math.Max(1, (int)Math.Round(s.OriginalInTiles.Width * tile)), Math.Max(1, (int)Math.Round(s.OriginalInTiles.Height * tile)));
        var (rows, columns) = AnyResolution.TileGrid(original, config.ImageGridPinpoints, tile);
        var pixels = torch.randn(1 + rows * columns, 3, tile, tile);
        return new(new ImageInput(pixels, ImageSize: original),
            AnyResolution.TokenCount(original, config.ImageGridPinpoints, tile, s.ImageTokensPerSide));
    }

    /// <summary>SmolVLM at its default longest edge 2048: 4 × 4 tiles plus the global image, [17, 3, 512, 512], 64 tokens each.</summary>
    private static SyntheticImage Idefics3Frames()
    {
        const int frames = 17, size = SyntheticModel.Idefics3FrameSize;
        const int side = size / SyntheticModel.Idefics3PatchSize / SyntheticModel.Idefics3ScaleFactor;
        return new(new ImageInput(torch.randn(frames, 3, size, size)), frames * side * side);
    }
}
