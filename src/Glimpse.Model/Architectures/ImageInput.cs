using Glimpse.Core.Images;
using static TorchSharp.torch;

namespace Glimpse.Model.Architectures;

/// <summary>
/// What a vision tower consumes: the image processor's pixel tensor (LLaVA [1, 3, H, W]; Qwen2-VL patch rows
/// [t·h·w, C·T·P·P]; LLaVA-NeXT [1 + tiles, 3, S, S]), for Qwen2-VL the (t, h, w) patch grid, and for LLaVA-NeXT the
/// original image's size (its feature packing unpads to the original aspect ratio). The caller owns the tensor.
/// </summary>
public sealed record ImageInput(Tensor PixelValues, long[]? GridThw = null, PixelSize? ImageSize = null);
