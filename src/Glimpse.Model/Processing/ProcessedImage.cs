using TorchSharp;

namespace Glimpse.Model.Processing;

/// <summary>
/// An image processor's output: the model's image input and the layout of the image tokens the language model sees.
/// Image token i (in prompt order) is the cell at row i / <see cref="TokenGridWidth"/>, column i % <see cref="TokenGridWidth"/>.
/// Disposing releases <see cref="PixelValues"/>.
/// </summary>
public sealed class ProcessedImage : IDisposable
{
    /// <summary>float32: [1, 3, H, W] for CLIP; [grid_t·grid_h·grid_w, C·T·P·P] patch rows for Qwen2-VL.</summary>
    public torch.Tensor PixelValues { get; }

    /// <summary>Qwen2-VL's (t, h, w) size of the image in patches; null for CLIP.</summary>
    public long[]? ImageGridThw { get; }

    public int TokenGridHeight { get; }
    public int TokenGridWidth { get; }
    public int ImageTokenCount => TokenGridHeight * TokenGridWidth;

    /// <summary>The side, in model-input pixels, of the square one image token covers (CLIP: the patch; Qwen2-VL: patch × merge).</summary>
    public int TokenCellSize { get; }

    public ImageGeometry Geometry { get; }

    public ProcessedImage(torch.Tensor pixelValues, long[]? imageGridThw, int tokenGridHeight, int tokenGridWidth, int tokenCellSize, ImageGeometry geometry)
    {
        if (tokenGridHeight <= 0 || tokenGridWidth <= 0 || tokenCellSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(tokenGridHeight),
                $"the token grid must be non-empty, got {tokenGridHeight}×{tokenGridWidth} cells of {tokenCellSize} px");
        if (tokenGridHeight * tokenCellSize > geometry.ModelInput.Height || tokenGridWidth * tokenCellSize > geometry.ModelInput.Width)
            throw new ArgumentException(
                $"a {tokenGridHeight}×{tokenGridWidth} grid of {tokenCellSize} px cells does not fit the {geometry.ModelInput.Width}×{geometry.ModelInput.Height} model input",
                nameof(tokenCellSize));
        PixelValues = pixelValues;
        ImageGridThw = imageGridThw;
        TokenGridHeight = tokenGridHeight;
        TokenGridWidth = tokenGridWidth;
        TokenCellSize = tokenCellSize;
        Geometry = geometry;
    }

    /// <summary>The model-input pixels image token (row, column) covers.</summary>
    public ImageRegion TokenCellOnModelInput(int row, int column)
    {
        if ((uint)row >= (uint)TokenGridHeight || (uint)column >= (uint)TokenGridWidth)
            throw new ArgumentOutOfRangeException(nameof(row), $"token cell ({row}, {column}) is outside the {TokenGridHeight}×{TokenGridWidth} grid");
        return new ImageRegion(column * TokenCellSize, row * TokenCellSize, (column + 1) * TokenCellSize, (row + 1) * TokenCellSize);
    }

    /// <summary>The region of the original image that image token (row, column) covers, before clipping to the image.</summary>
    public ImageRegion TokenCellOnOriginal(int row, int column) => Geometry.MapToOriginal(TokenCellOnModelInput(row, column));

    public void Dispose() => PixelValues.Dispose();
}
