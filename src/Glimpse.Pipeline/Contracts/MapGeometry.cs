using Glimpse.Model.Processing;

namespace Glimpse.Pipeline.Contracts;

/// <summary>
/// <c>glimpse-results/{jobId}/geometry.json</c>, written by the worker beside result.json: how the model's processor
/// turned the original image into the model input (<see cref="ImageGeometry"/>) and the side of one image token's
/// square. result.json holds the map over image tokens only; this is what lays it back onto the original without the
/// model, as the audit aggregator does to compare it with a reference mask.
/// </summary>
public sealed record MapGeometry
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required PixelSize Original { get; init; }
    public required PixelSize Canvas { get; init; }
    public required PixelRect OriginalOnCanvas { get; init; }
    public required PixelSize Resized { get; init; }
    public required PixelRect CropBox { get; init; }
    /// <summary><see cref="ProcessedImage.TokenCellSize"/>: model-input pixels per image token, along each side.</summary>
    public required int TokenCellSize { get; init; }

    public static MapGeometry Of(ImageGeometry geometry, int tokenCellSize)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return new MapGeometry
        {
            Original = geometry.Original, Canvas = geometry.Canvas, OriginalOnCanvas = geometry.OriginalOnCanvas,
            Resized = geometry.Resized, CropBox = geometry.CropBox, TokenCellSize = tokenCellSize,
        };
    }

    /// <summary>The geometry again; an <see cref="ArgumentException"/> when the stored sizes do not make one.</summary>
    public ImageGeometry ToImageGeometry() => new(Original, Canvas, OriginalOnCanvas, Resized, CropBox);
}
