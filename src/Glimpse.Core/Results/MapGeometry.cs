using Glimpse.Core.Images;

namespace Glimpse.Core.Results;

/// <summary>
/// <c>glimpse-results/{jobId}/geometry.json</c> 1.0 (Schemas/geometry.schema.json), which workers wrote beside
/// result.json 1.x: how the model's processor turned the original image into the model input and the side of one
/// image token's square. A 1.x result.json holds the map over its one token grid only; this is what lays it onto the
/// original without the model, as the audit aggregator still does for jobs older workers ran. Workers no longer write
/// it: result.json 2.0 carries the whole image-token layout, geometry included.
/// </summary>
public sealed record MapGeometry
{
    public required string SchemaVersion { get; init; }
    public required GeometrySize Original { get; init; }
    public required GeometrySize Canvas { get; init; }
    public required GeometryRect OriginalOnCanvas { get; init; }
    public required GeometrySize Resized { get; init; }
    public required GeometryRect CropBox { get; init; }
    /// <summary>Model-input pixels per image token, along each side.</summary>
    public required int TokenCellSize { get; init; }

    /// <summary>The geometry again; an <see cref="ArgumentException"/> when the stored sizes do not make one.</summary>
    public ImageGeometry ToImageGeometry() =>
        new(Original.ToPixelSize(), Canvas.ToPixelSize(), OriginalOnCanvas.ToPixelRect(), Resized.ToPixelSize(), CropBox.ToPixelRect());
}
