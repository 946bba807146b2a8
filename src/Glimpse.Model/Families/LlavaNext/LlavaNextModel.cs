using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Families.Llava;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Glimpse.Model.Families.LlavaNext;

/// <summary>
/// LLaVA-NeXT (LLaVA-1.6): LLaVA's CLIP tower and projector run on the base image and every AnyRes tile; the tiles'
/// features are re-assembled into one grid, unpadded to the original aspect ratio, each row closed by
/// <c>image_newline</c>, and placed after the base image's features. Plain 1-D positions, Llama/Mistral decoder.
/// </summary>
public sealed class LlavaNextModel : VisionLanguageModel
{
    private readonly ClipVisionTower _visionTower;
    private readonly LlavaProjector _projector;
    private readonly LlavaNextConfig _config;

    public LlavaNextModel(LlavaNextConfig config) : base(nameof(LlavaNextModel), config)
    {
        _config = config;
        _visionTower = new ClipVisionTower(config.Vision);
        int featureWidth = config.Vision.HiddenSize * config.VisionFeatureLayers.Length;
        _projector = new LlavaProjector(featureWidth, config.Text.HiddenSize, config.ProjectorHiddenAct, config.ProjectorBias);
        register_module("vision_tower", _visionTower);
        register_module("multi_modal_projector", _projector);
        register_parameter("image_newline", new Parameter(torch.zeros(config.Text.HiddenSize)));
        RegisterLanguageModel();
    }

    public ClipVisionTower VisionTower => _visionTower;

    /// <summary>Looked up each time: Module.to(dtype) replaces the registered tensor.</summary>
    private Tensor ImageNewline => get_parameter("image_newline")!;

    /// <summary>The projected features of every view, CLS dropped: pixels [P, 3, S, S] → [P, g², D].</summary>
    public Tensor ViewFeatures(Tensor pixelValues)
    {
        using var scope = NewDisposeScope();
        var features = _visionTower.SelectedFeatures(pixelValues.to(DType, Device), _config.VisionFeatureLayers, dropCls: true);
        return _projector.Forward(features).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// pack_image_features for one image: view features [1 + tiles, g², D] → [K, D] in image-token order (base grid
    /// row-major; then each kept row of the unpadded high-resolution grid followed by <c>image_newline</c>).
    /// </summary>
    public Tensor PackFeatures(Tensor viewFeatures, PixelSize imageSize)
    {
        using var scope = NewDisposeScope();
        int g = _config.PatchesPerSide;
        var (tileRows, tileColumns) = AnyResolution.TileGrid(imageSize, _config.ImageGridPinpoints, _config.Vision.ImageSize);
        if (viewFeatures.shape[0] != 1 + tileRows * tileColumns)
            throw new ArgumentException(
                $"A {imageSize.Width}×{imageSize.Height} image is tiled {tileRows}×{tileColumns}, so LLaVA-NeXT expects {1 + tileRows * tileColumns} views " +
                $"(base + tiles), got {viewFeatures.shape[0]}.");
        long d = viewFeatures.shape[2];
        var baseFeatures = viewFeatures[0];                                                          // [g², D]
        var grid = viewFeatures[1..].view(tileRows, tileColumns, g, g, d)
            .permute(4, 0, 2, 1, 3).reshape(d, tileRows * g, tileColumns * g);                     // [D, rows, cols]
        var block = AnyResolution.Unpad(imageSize, tileRows * g, tileColumns * g);
        var kept = grid[.., block.Top..(block.Top + block.Rows), block.Left..(block.Left + block.Columns)]; // [D, R, C]
        var newline = ImageNewline.to(kept.dtype).view(d, 1, 1).expand(d, block.Rows, 1);
        var rows = torch.cat([kept, newline], -1).flatten(1, 2).transpose(0, 1);                   // [R·(C+1), D]
        return torch.cat([baseFeatures, rows], 0).MoveToOuterDisposeScope();                       // [K, D]
    }

    public override Tensor EncodeImage(ImageInput image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var imageSize = image.ImageSize ?? throw new ArgumentException(
            "LLaVA-NeXT needs the original image size (ImageInput.ImageSize) to unpad its high-resolution features.", nameof(image));
        using var scope = NewDisposeScope();
        var pixels = Views(image.PixelValues);
        return PackFeatures(ViewFeatures(pixels), imageSize).MoveToOuterDisposeScope();          // [K, D]
    }

    /// <summary>[P, 3, S, S], or Hugging Face's [1, P, 3, S, S]; checked here, because a wrong size would otherwise
    /// fail inside libtorch's convolution, which aborts the process.</summary>
    private Tensor Views(Tensor pixels)
    {
        if (pixels.dim() == 5)
        {
            if (pixels.shape[0] != 1)
                throw new NotSupportedException($"LLaVA-NeXT takes one image per prompt; pixel_values holds {pixels.shape[0]} images.");
            pixels = pixels[0];
        }
        int size = _config.Vision.ImageSize, channels = _config.Vision.NumChannels;
        if (pixels.dim() != 4 || pixels.shape[1] != channels || pixels.shape[2] != size || pixels.shape[3] != size)
            throw new ArgumentException(
                $"LLaVA-NeXT expects pixel_values [1 + tiles, {channels}, {size}, {size}], got [{string.Join(", ", pixels.shape)}].");
        return pixels;
    }

    public override (Tensor Positions, long Delta) PositionIds(long[] ids, ImageInput? image) =>
        (torch.arange(ids.Length, dtype: int64, device: Device).view(1, 1, -1), 0);
}
