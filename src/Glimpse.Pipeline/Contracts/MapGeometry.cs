using Glimpse.Model.Processing;

namespace Glimpse.Pipeline.Contracts;

/// <summary>
/// <c>glimpse-results/{jobId}/geometry.json</c> (Schemas/geometry.schema.json), written by the worker beside
/// result.json: how the model's processor turned the original image into the model input (<see cref="ImageGeometry"/>)
/// and the side of one image token's square. result.json holds the map over image tokens only; this is what lays it
/// back onto the original without the model, as the audit aggregator does to compare it with a reference mask.
/// </summary>
public sealed record MapGeometry
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;
    public required GeometrySize Original { get; init; }
    public required GeometrySize Canvas { get; init; }
    public required GeometryRect OriginalOnCanvas { get; init; }
    public required GeometrySize Resized { get; init; }
    public required GeometryRect CropBox { get; init; }
    /// <summary><see cref="ProcessedImage.TokenCellSize"/>: model-input pixels per image token, along each side.</summary>
    public required int TokenCellSize { get; init; }

    public static MapGeometry Of(ImageGeometry geometry, int tokenCellSize)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return new MapGeometry
        {
            Original = GeometrySize.Of(geometry.Original), Canvas = GeometrySize.Of(geometry.Canvas),
            OriginalOnCanvas = GeometryRect.Of(geometry.OriginalOnCanvas), Resized = GeometrySize.Of(geometry.Resized),
            CropBox = GeometryRect.Of(geometry.CropBox), TokenCellSize = tokenCellSize,
        };
    }

    /// <summary>The geometry again; an <see cref="ArgumentException"/> when the stored sizes do not make one.</summary>
    public ImageGeometry ToImageGeometry() =>
        new(Original.ToPixelSize(), Canvas.ToPixelSize(), OriginalOnCanvas.ToPixelRect(), Resized.ToPixelSize(), CropBox.ToPixelRect());
}

/// <summary>A size in pixels as geometry.json writes it (only the two numbers, not <see cref="PixelSize"/>'s derived ones).</summary>
public sealed record GeometrySize(int Width, int Height)
{
    public static GeometrySize Of(PixelSize size) => new(size.Width, size.Height);
    public PixelSize ToPixelSize() => new(Width, Height);
}

/// <summary>A rectangle of pixels as geometry.json writes it.</summary>
public sealed record GeometryRect(int X, int Y, int Width, int Height)
{
    public static GeometryRect Of(PixelRect rect) => new(rect.X, rect.Y, rect.Width, rect.Height);
    public PixelRect ToPixelRect() => new(X, Y, Width, Height);
}
