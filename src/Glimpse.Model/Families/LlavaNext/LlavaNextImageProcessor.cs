using Glimpse.Core.Images;
using Glimpse.Model.Families.Llava;
using Glimpse.Model.Processing;
using TorchSharp;

namespace Glimpse.Model.Families.LlavaNext;

/// <summary>
/// Hugging Face's <c>LlavaNextImageProcessor</c> (transformers 4.47), AnyRes: the image is resized keeping its aspect
/// ratio into the best of <see cref="Pinpoints"/> (<see cref="AnyResolution"/>), padded with black symmetrically,
/// cut row-major into tiles of the crop size; the whole image resized to the CLIP input size (aspect ratio NOT kept)
/// goes first. Every view then runs <see cref="ClipImageProcessor"/>'s steps. Output pixel_values
/// [1 + tiles, 3, S, S]; the layout has two grids: "base" (the base image's patches) and "high-res" (the unpadded
/// block of the tiles' patch grid over the padded, resized image), and one newline token per kept row in no cell.
/// </summary>
public sealed class LlavaNextImageProcessor : IImageProcessor
{
    private readonly ClipImageProcessor _clip;

    /// <summary>The CLIP steps every view (base image and tiles) goes through.</summary>
    public ClipImageProcessorOptions ClipOptions => _clip.Options;
    /// <summary><c>image_grid_pinpoints</c> as (width, height) sizes, in the file's order.</summary>
    public IReadOnlyList<PixelSize> Pinpoints { get; }
    public int PatchSize { get; }
    /// <summary>The side of one tile and of the CLIP input (<c>crop_size</c>).</summary>
    public int TileSize { get; }
    public int PatchesPerSide => TileSize / PatchSize;

    /// <exception cref="NotSupportedException">A setting whose AnyRes geometry is not implemented.</exception>
    public LlavaNextImageProcessor(ClipImageProcessorOptions clipOptions, IReadOnlyList<PixelSize> pinpoints, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(clipOptions);
        ArgumentNullException.ThrowIfNull(pinpoints);
        if (pinpoints.Count == 0) throw new ArgumentException("image_grid_pinpoints is empty", nameof(pinpoints));
        var crop = clipOptions.CropSize;
        if (crop.Width != crop.Height)
            throw new NotSupportedException($"LLaVA-NeXT tiles must be square; crop_size {crop.Width}×{crop.Height} is not supported.");
        if (crop.Width % patchSize != 0)
            throw new NotSupportedException($"crop_size {crop.Width} is not a multiple of the patch size {patchSize}.");
        // The tiles and the base image must reach the CLIP tower unresampled, so that one patch of a tile is one cell of
        // the padded canvas; a resize step to another size would rescale every tile.
        int baseSide = clipOptions.ShortestEdge ?? clipOptions.ExactSize?.Width ?? crop.Width;
        if (clipOptions.DoResize && (baseSide != crop.Width || (clipOptions.ExactSize is { } exact && exact.Height != crop.Height)))
            throw new NotSupportedException(
                $"size {(clipOptions.ShortestEdge is int e ? $"shortest_edge {e}" : $"{clipOptions.ExactSize}")} differs from crop_size {crop.Width}: " +
                "LLaVA-NeXT with a CLIP resize that rescales the tiles is not supported.");
        if (pinpoints.Any(p => p.Width % crop.Width != 0 || p.Height % crop.Height != 0))
            throw new NotSupportedException($"every image_grid_pinpoints entry must be a multiple of crop_size {crop.Width}.");
        // LlavaNextImageProcessor's do_pad pads a BATCH to its largest tile count; one image per prompt makes it a no-op,
        // while LLaVA-1.5's do_pad (pad to square) must not run here.
        _clip = new ClipImageProcessor(clipOptions with { DoPad = false }, patchSize);
        Pinpoints = pinpoints.ToArray();
        PatchSize = patchSize;
        TileSize = crop.Width;
    }

    public ProcessedImage Process(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var original = new PixelSize(image.Width, image.Height);
        var best = AnyResolution.BestResolution(original, Pinpoints);
        var resizedSize = AnyResolution.ResizedForPatching(original, best);
        var resized = PilResample.Resize(image, resizedSize.Width, resizedSize.Height, ClipOptions.Resample);
        // (target − n) // 2 on both sides: an odd difference leaves the canvas one pixel short of the pinpoint.
        int pasteX = (best.Width - resized.Width) / 2, pasteY = (best.Height - resized.Height) / 2;
        var canvas = RgbImage.Filled(resized.Width + 2 * pasteX, resized.Height + 2 * pasteY, 0, 0, 0);
        resized.PasteOnto(canvas, pasteX, pasteY);

        int baseSide = ClipOptions.ShortestEdge ?? ClipOptions.ExactSize?.Width ?? TileSize;
        var views = new List<RgbImage> { PilResample.Resize(image, baseSide, baseSide, ClipOptions.Resample) };
        for (int y = 0; y < canvas.Height; y += TileSize)
            for (int x = 0; x < canvas.Width; x += TileSize)
                views.Add(canvas.Crop(x, y, Math.Min(TileSize, canvas.Width - x), Math.Min(TileSize, canvas.Height - y)));

        using var scope = torch.NewDisposeScope();
        ImageGeometry? baseGeometry = null;
        var pixels = new List<torch.Tensor>();
        foreach (var view in views)
        {
            var processed = _clip.Process(view);                                        // its pixels belong to this scope
            baseGeometry ??= processed.Layout.Grids[0].Geometry;
            pixels.Add(processed.PixelValues);                                          // [1, 3, S, S]
        }
        var pixelValues = torch.cat(pixels.ToArray(), 0);                             // [1 + tiles, 3, S, S]
        var layout = Layout(original, best, resizedSize, pasteX, pasteY, baseGeometry!);
        return new ProcessedImage(pixelValues.MoveToOuterDisposeScope(), imageGridThw: null, layout);
    }

    /// <summary>
    /// The image tokens in sequence order: the base grid row-major, then each kept high-resolution row followed by
    /// its newline token. The base grid's input is the whole image resized to S×S (the two resizes compose into one);
    /// the high-res grid's input is the kept block of the padded canvas, a crop box of the resized image whose
    /// offsets undo the paste. When the canvas is one pixel short of the pinpoint (an odd padding difference), the edge
    /// tiles are resampled to S×S by the CLIP step and their cells are up to one pixel per tile off this placement.
    /// </summary>
    private ImageTokenLayout Layout(PixelSize original, PixelSize best, PixelSize resized, int pasteX, int pasteY, ImageGeometry baseView)
    {
        int g = PatchesPerSide;
        var block = AnyResolution.Unpad(original, best.Height / TileSize * g, best.Width / TileSize * g);
        var baseGrid = new TokenGrid
        {
            Name = "base", Rows = g, Columns = g, CellSize = PatchSize,
            Tokens = Enumerable.Range(0, g * g).ToArray(),
            Geometry = new ImageGeometry(original, baseView.Resized, baseView.CropBox),
        };
        var highRes = new TokenGrid
        {
            Name = "high-res", Rows = block.Rows, Columns = block.Columns, CellSize = PatchSize,
            Tokens = Enumerable.Range(0, block.Rows * block.Columns)
                .Select(cell => g * g + cell / block.Columns * (block.Columns + 1) + cell % block.Columns).ToArray(),
            Geometry = new ImageGeometry(original, resized, new PixelRect(
                block.Left * PatchSize - pasteX, block.Top * PatchSize - pasteY, block.Columns * PatchSize, block.Rows * PatchSize)),
        };
        return new ImageTokenLayout(g * g + block.Rows * (block.Columns + 1), [baseGrid, highRes]);
    }
}
