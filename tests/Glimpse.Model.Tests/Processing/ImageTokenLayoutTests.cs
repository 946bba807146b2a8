using Glimpse.Core.Images;

namespace Glimpse.Model.Tests.Processing;

public class ImageTokenLayoutTests
{
    private static readonly ImageGeometry Square = new(new PixelSize(100, 100), new PixelSize(50, 50), new PixelRect(0, 0, 50, 50));

    [Fact]
    public void A_single_grid_fills_its_cells_in_row_major_order_after_the_leading_unplaced_tokens()
    {
        var layout = ImageTokenLayout.SingleGrid(2, 3, 10, Square, leadingUnplaced: 1);

        Assert.Equal(7, layout.TokenCount);
        Assert.Equal([0], layout.UnplacedTokens);
        Assert.Null(layout.CellOf(0));
        Assert.Equal(new TokenCell(0, 0, 0), layout.CellOf(1));
        Assert.Equal(new TokenCell(0, 1, 2), layout.CellOf(6));
        Assert.Equal([1.0, 2, 3, 4, 5, 6], layout.GridValues(0, [0.0, 1, 2, 3, 4, 5, 6]));
    }

    [Fact]
    public void Cells_map_through_the_grids_own_geometry_onto_the_original()
    {
        var layout = ImageTokenLayout.SingleGrid(5, 5, 10, Square);
        // 10 model-input pixels are 20 original pixels (50 → 100).
        Assert.Equal(new ImageRegion(20, 40, 40, 60), layout.Grids[0].CellOnOriginal(2, 1));
        Assert.Equal(new ImageRegion(0, 0, 100, 100), layout.Grids[0].RegionOnOriginal());
    }

    [Fact]
    public void Adding_leading_unplaced_tokens_shifts_every_cell()
    {
        var layout = ImageTokenLayout.SingleGrid(2, 2, 10, Square).WithLeadingUnplaced(2);
        Assert.Equal(6, layout.TokenCount);
        Assert.Equal([0, 1], layout.UnplacedTokens);
        Assert.Equal([2, 3, 4, 5], layout.Grids[0].Tokens);
    }

    [Fact]
    public void Several_grids_share_the_tokens_and_leave_the_rest_unplaced()
    {
        var a = new TokenGrid { Name = "base", Rows = 1, Columns = 2, CellSize = 25, Tokens = [0, 1], Geometry = Square };
        var b = new TokenGrid { Name = "tile", Rows = 1, Columns = 1, CellSize = 50, Tokens = [3], Geometry = Square };
        var layout = new ImageTokenLayout(4, [a, b]);
        Assert.Equal([2], layout.UnplacedTokens);
        Assert.Equal(new TokenCell(1, 0, 0), layout.CellOf(3));
    }

    [Fact]
    public void A_token_in_two_cells_a_token_out_of_range_or_a_grid_that_does_not_fit_is_refused()
    {
        var grid = new TokenGrid { Name = "g", Rows = 1, Columns = 2, CellSize = 10, Tokens = [0, 0], Geometry = Square };
        Assert.Contains("two cells", Assert.Throws<ArgumentException>(() => new ImageTokenLayout(2, [grid])).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => new ImageTokenLayout(2, [grid with { Tokens = [0, 2] }])).Message);
        Assert.Contains("do not fit", Assert.Throws<ArgumentException>(() => new ImageTokenLayout(2, [grid with { CellSize = 30 }])).Message);
        Assert.Contains("tokens", Assert.Throws<ArgumentException>(() => new ImageTokenLayout(3, [grid with { Tokens = [0, 1, 2] }])).Message);
    }
}
