using Glimpse.Core.Images;
using Glimpse.Model.Architectures;
using Glimpse.Model.Processing;
using static TorchSharp.torch;

namespace Glimpse.Explain.Evaluation;

/// <summary>
/// Converts between a processed image's <c>pixel_values</c> and the model input as an ordinary picture: normalised
/// channel planes [3, H, W] over the model-input pixels, where token cell (r, c) covers rows r·s … (r+1)·s − 1 and
/// columns c·s … (c+1)·s − 1 (s = the cell size of the image's one token grid). Perturbations are made on the planes
/// and packed back. Only single-grid layouts are supported: a tiled input (several grids, each its own input image) is
/// refused with a <see cref="NotSupportedException"/> until perturbing tiles is designed.
/// <list type="bullet">
/// <item>CLIP (LLaVA): <c>pixel_values</c> is [1, 3, H, W] already.</item>
/// <item>Qwen2-VL: patch rows [t·h·w, 3·T·P·P] in (t, h / m, w / m, h % m, w % m) order, each flattened as (C, T, P, P)
/// (see <see cref="Model.Families.Qwen2VL.Qwen2VLImageProcessor"/>); an image is T identical frames, so the planes are frame 0 and packing
/// repeats them. P and m are read off the processed image: P = H / grid_h, m = s / P, T = row length / (3·P²).</item>
/// </list>
/// </summary>
public sealed class ModelInputPlanes
{
    private readonly ProcessedImage _image;
    private readonly TokenGrid _grid;
    private readonly int _patch, _merge, _temporal;

    public ModelInputPlanes(ProcessedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        _image = image;
        _grid = SingleGrid(image.Layout);
        if (image.ImageGridThw is null)
        {
            if (image.PixelValues.dim() != 4 || image.PixelValues.shape[0] != 1 || image.PixelValues.shape[1] != 3)
                throw new ArgumentException($"expected pixel_values [1, 3, H, W], got [{string.Join(", ", image.PixelValues.shape)}]");
            return;
        }
        long[] grid = image.ImageGridThw;
        var size = _grid.Geometry.ModelInput;
        if (grid[0] != 1 || size.Height % grid[1] != 0 || size.Width % grid[2] != 0)
            throw new ArgumentException($"a patch grid [{string.Join(", ", grid)}] does not tile a {size.Width}×{size.Height} single-frame image");
        _patch = (int)(size.Height / grid[1]);
        _merge = _grid.CellSize / _patch;
        _temporal = (int)(image.PixelValues.shape[1] / (3L * _patch * _patch));
        if (_merge * _patch != _grid.CellSize || 3L * _temporal * _patch * _patch != image.PixelValues.shape[1])
            throw new ArgumentException($"pixel_values [{string.Join(", ", image.PixelValues.shape)}] do not match {_patch}-pixel patches merged {_grid.CellSize / (double)_patch}×");
    }

    public int Height => _grid.Geometry.ModelInput.Height;
    public int Width => _grid.Geometry.ModelInput.Width;

    /// <summary>The one grid of a layout whose model input is perturbed as a picture; tiled layouts are not supported yet.</summary>
    public static TokenGrid SingleGrid(ImageTokenLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return layout.Grids.Count == 1
            ? layout.Grids[0]
            : throw new NotSupportedException(
                $"perturbing the model input is only supported for a single token grid; this layout has {layout.Grids.Count} grids "
                + $"({string.Join(", ", layout.Grids.Select(g => g.Name))}), and perturbing tiled inputs is not implemented yet");
    }

    /// <summary>The model input as planes [3, H, W], float32, normalised as the processor left it (a new tensor).</summary>
    public Tensor Planes()
    {
        using var scope = NewDisposeScope();
        var pixels = _image.PixelValues;
        if (_image.ImageGridThw is null) return pixels[0].clone().MoveToOuterDisposeScope();
        long gridH = _image.ImageGridThw[1], gridW = _image.ImageGridThw[2];
        // Undo the processor's permute(0, 3, 6, 4, 7, 2, 1, 5, 8): dims (t, bh, bw, mh, mw, C, T, ph, pw) back to
        // (t, T, C, bh, mh, ph, bw, mw, pw), then rows and columns are (bh, mh, ph) and (bw, mw, pw).
        return pixels
            .reshape(1, gridH / _merge, gridW / _merge, _merge, _merge, 3, _temporal, _patch, _patch)
            .permute(0, 6, 5, 1, 3, 7, 2, 4, 8)
            .reshape(_temporal, 3, Height, Width)[0]
            .contiguous()
            .MoveToOuterDisposeScope();
    }

    /// <summary>Planes [3, H, W] packed into the model's image input (the image's patch grid for Qwen2-VL).</summary>
    public ImageInput Pack(Tensor planes)
    {
        using var scope = NewDisposeScope();
        if (_image.ImageGridThw is null) return new ImageInput(planes.unsqueeze(0).contiguous().MoveToOuterDisposeScope());
        long gridH = _image.ImageGridThw[1], gridW = _image.ImageGridThw[2];
        var rows = planes.unsqueeze(0).expand(_temporal, 3, Height, Width)
            .reshape(1, _temporal, 3, gridH / _merge, _merge, _patch, gridW / _merge, _merge, _patch)
            .permute(0, 3, 6, 4, 7, 2, 1, 5, 8)
            .reshape(gridH * gridW, 3L * _temporal * _patch * _patch)
            .contiguous();
        return new ImageInput(rows.MoveToOuterDisposeScope(), _image.ImageGridThw);
    }
}
