using Glimpse.Core.Images;
using TorchSharp;

namespace Glimpse.Model.Processing;

/// <summary>
/// An image processor's output: the model's image input and where the image tokens the language model sees lie on the
/// original image (<see cref="Layout"/>). Disposing releases <see cref="PixelValues"/>.
/// </summary>
public sealed class ProcessedImage : IDisposable
{
    /// <summary>float32: [1, 3, H, W] for CLIP; [grid_t·grid_h·grid_w, C·T·P·P] patch rows for Qwen2-VL.</summary>
    public torch.Tensor PixelValues { get; }

    /// <summary>Qwen2-VL's (t, h, w) size of the image in patches; null for CLIP.</summary>
    public long[]? ImageGridThw { get; }

    /// <summary>The image tokens the processor's output becomes, as grids over the original image.</summary>
    public ImageTokenLayout Layout { get; }

    public int ImageTokenCount => Layout.TokenCount;

    public ProcessedImage(torch.Tensor pixelValues, long[]? imageGridThw, ImageTokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        PixelValues = pixelValues;
        ImageGridThw = imageGridThw;
        Layout = layout;
    }

    public void Dispose() => PixelValues.Dispose();
}
