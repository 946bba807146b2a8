using Glimpse.Demo.Questions;
using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Tests;

/// <summary>The generator is deterministic, and its answers and masks agree with what is drawn.</summary>
public class SceneGeneratorTests
{
    private static readonly SceneGenerator Generator = new();

    /// <summary>Many items of every kind from the test split, and follow-up questions about their scenes.</summary>
    public static IEnumerable<GroundedItem> Items(int perKind = 60)
    {
        var rng = new Random(4);
        foreach (var kind in QuestionKinds.All)
        for (int i = 0; i < perKind; i++)
        {
            var item = Generator.Generate(DatasetSplits.Seed(DatasetSplit.Test, 1000 + i), kind);
            yield return item;
            foreach (var followUp in SceneGenerator.FollowUps(item.Scene, 2, rng)) yield return item with { Asked = followUp };
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameBytes()
    {
        foreach (int seed in new[] { 0, 7, 123_456, DatasetSplits.Seed(DatasetSplit.Validation, 3) })
        {
            var a = new SceneGenerator().Generate(seed);
            var b = new SceneGenerator().Generate(seed);
            Assert.Equal(a.Question, b.Question);
            Assert.Equal(a.Answer, b.Answer);
            Assert.Equal(a.EvidenceObjects, b.EvidenceObjects);
            Assert.Equal(PngFiles.Encode(SceneRenderer.Render(a.Scene)), PngFiles.Encode(SceneRenderer.Render(b.Scene)));
            Assert.Equal(SceneRenderer.EvidenceMask(a.Scene, a.EvidenceObjects), SceneRenderer.EvidenceMask(b.Scene, b.EvidenceObjects));
        }
    }

    [Fact]
    public void DifferentSeedsGiveDifferentScenes()
    {
        var images = Enumerable.Range(0, 20).Select(seed => Convert.ToBase64String(PngFiles.Encode(SceneRenderer.Render(Generator.Generate(seed).Scene))));
        Assert.Equal(20, images.Distinct().Count());
    }

    [Fact]
    public void EveryKindAndAnswerAppears()
    {
        var items = Enumerable.Range(0, 400).Select(i => Generator.Generate(DatasetSplits.Seed(DatasetSplit.Train, i))).ToList();
        Assert.Equal(QuestionKinds.All.ToHashSet(), items.Select(i => i.Kind).ToHashSet());
        var counts = items.Where(i => i.Kind == QuestionKind.Count).Select(i => i.EvidenceObjects.Count).ToHashSet();
        Assert.Equal(new HashSet<int> { 0, 1, 2, 3, 4 }, counts);
        var exist = items.Where(i => i.Kind == QuestionKind.Exist).Select(i => i.Answer.StartsWith("Yes", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(2, exist.Count);
        var described = items.Where(i => i.Kind == QuestionKind.Describe).Select(i => i.Scene.Objects.Count).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2, 3, 4 }, described);
        var grouped = items.Where(i => i.Kind == QuestionKind.ColorGroup).Select(i => i.EvidenceObjects.Count).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2, 3, 4 }, grouped);
        Assert.Contains(items, i => i.Scene.Clutter.Count > 0);
        Assert.Contains(items, i => i.Scene.Clutter.Count == 0);
    }

    [Fact]
    public void ObjectsAreDistinctInsideTheCanvasAndApart()
    {
        foreach (var item in Items(30))
        {
            var objects = item.Scene.Objects;
            Assert.InRange(objects.Count, 1, 4);
            Assert.Equal(objects.Count, objects.Select(o => o.Description).Distinct().Count());
            foreach (var o in objects)
            {
                Assert.InRange(o.X - o.Radius, 0, item.Scene.Width);
                Assert.InRange(o.X + o.Radius, 0, item.Scene.Width);
                Assert.InRange(o.Y - o.Radius, 0, item.Scene.Height);
                Assert.InRange(o.Y + o.Radius, 0, item.Scene.Height);
            }
            for (int i = 0; i < objects.Count; i++)
            for (int j = i + 1; j < objects.Count; j++)
                Assert.True(Math.Sqrt(Math.Pow(objects[i].X - objects[j].X, 2) + Math.Pow(objects[i].Y - objects[j].Y, 2)) > objects[i].Radius + objects[j].Radius);
        }
    }

    [Fact]
    public void AnswersAgreeWithTheScene()
    {
        foreach (var item in Items())
        {
            var objects = item.Scene.Objects;
            var evidence = item.EvidenceObjects.Select(i => objects[i]).ToList();
            switch (item.Kind)
            {
                case QuestionKind.Color:
                {
                    var target = Assert.Single(evidence);
                    Assert.Single(objects, o => o.Shape == target.Shape);
                    Assert.Equal($"What color is the {target.Shape.Name()}?", item.Question);
                    Assert.Equal($"The {target.Shape.Name()} is {target.Color.Name()}.", item.Answer);
                    // The colour named is the colour drawn: the object's pixels are nearest that colour's paint.
                    Assert.Equal(target.Color, NearestColor(MeanColor(item, item.EvidenceObjects[0])));
                    break;
                }
                case QuestionKind.Shape:
                {
                    var target = Assert.Single(evidence);
                    Assert.Single(objects, o => o.Color == target.Color);
                    Assert.Equal($"The {target.Color.Name()} object is a {target.Shape.Name()}.", item.Answer);
                    Assert.Equal(target.Color, NearestColor(MeanColor(item, item.EvidenceObjects[0])));
                    break;
                }
                case QuestionKind.Count:
                {
                    var shape = ShapeNames.All.Single(s => item.Question == $"How many {s.Plural()} are there?");
                    int count = objects.Count(o => o.Shape == shape);
                    Assert.Equal(count, evidence.Count);
                    Assert.All(evidence, o => Assert.Equal(shape, o.Shape));
                    string expected = count switch { 0 => "no", 1 => "one", 2 => "two", 3 => "three", _ => "four" };
                    Assert.Contains($" {expected} ", item.Answer);
                    break;
                }
                case QuestionKind.Exist:
                {
                    var asked = objects.Where(o => item.Question == $"Is there a {o.Description}?").ToList();
                    Assert.Equal(asked.Count == 1, item.Answer.StartsWith("Yes, ", StringComparison.Ordinal));
                    Assert.Equal(asked.Count == 0, item.Answer.StartsWith("No, ", StringComparison.Ordinal));
                    Assert.Equal(asked, evidence);
                    break;
                }
                case QuestionKind.Describe:
                {
                    // Every object, each once, in reading order.
                    Assert.Equal(Enumerable.Range(0, objects.Count).ToHashSet(), item.EvidenceObjects.ToHashSet());
                    Assert.Equal(objects.Count, item.EvidenceObjects.Count);
                    AssertReadingOrder(item.Scene, item.EvidenceObjects);
                    Assert.Equal("Describe the scene.", item.Question);
                    string listed = string.Join(", ", evidence.Select(o => $"a {o.Description}"));
                    if (evidence.Count > 1) listed = string.Join(", ", evidence.SkipLast(1).Select(o => $"a {o.Description}")) + $" and a {evidence[^1].Description}";
                    Assert.Equal($"There is {listed}.", item.Answer);
                    break;
                }
                case QuestionKind.ColorGroup:
                {
                    var color = ObjectColors.All.Single(c => item.Question == $"Which objects are {c.Name()}?");
                    // The evidence is exactly the objects of that colour, in reading order, and the answer names their shapes so.
                    Assert.Equal(Enumerable.Range(0, objects.Count).Where(i => objects[i].Color == color).ToHashSet(), item.EvidenceObjects.ToHashSet());
                    Assert.NotEmpty(evidence);
                    AssertReadingOrder(item.Scene, item.EvidenceObjects);
                    Assert.All(evidence, o => Assert.Equal(color, NearestColor(MeanColor(item, objects.ToList().IndexOf(o)))));
                    string expected = evidence.Count switch
                    {
                        1 => $"The {evidence[0].Shape.Name()} is {color.Name()}.",
                        2 => $"The {evidence[0].Shape.Name()} and the {evidence[1].Shape.Name()} are {color.Name()}.",
                        _ => "The " + string.Join(", the ", evidence.SkipLast(1).Select(o => o.Shape.Name())) + $" and the {evidence[^1].Shape.Name()} are {color.Name()}.",
                    };
                    Assert.Equal(expected, item.Answer);
                    break;
                }
                case QuestionKind.Relation:
                {
                    Assert.Equal(2, evidence.Count);
                    var (target, anchor) = (evidence[0], evidence[1]);
                    var relation = Enum.GetValues<SpatialRelation>().Single(r => item.Question == $"Which object is {r.Phrase()} the {anchor.Description}?");
                    Assert.Equal($"The {target.Description} is {relation.Phrase()} the {anchor.Description}.", item.Answer);
                    double margin = SceneQuestions.RelationMarginCells * item.Scene.CellSize;
                    Assert.True(SpatialRelations.Offset(relation, target, anchor) >= margin);
                    // Every other object is clearly on the other side, so no second object could be meant.
                    Assert.All(objects.Where(o => o != target && o != anchor), o => Assert.True(SpatialRelations.Offset(relation, o, anchor) <= -margin));
                    break;
                }
            }
        }
    }

    /// <summary>Rows top to bottom, and within a row columns left to right, of the objects' grid cells.</summary>
    private static void AssertReadingOrder(Scene scene, IReadOnlyList<int> order)
    {
        var cells = order.Select(i => ((int)(scene.Objects[i].Y / scene.CellSize), (int)(scene.Objects[i].X / scene.CellSize))).ToList();
        for (int k = 1; k < cells.Count; k++)
            Assert.True(cells[k].Item1 > cells[k - 1].Item1 || (cells[k].Item1 == cells[k - 1].Item1 && cells[k].Item2 > cells[k - 1].Item2),
                $"cell {cells[k]} comes after {cells[k - 1]}");
    }

    [Fact]
    public void ListAnswersReadAsSentences()
    {
        SceneObject O(ShapeKind s, ObjectColor c) => new(s, c, default, 0, 0, 1, 0);
        Assert.Equal("There is a red circle.", Phrasing.Describe([O(ShapeKind.Circle, ObjectColor.Red)]).Answer);
        Assert.Equal("There is a red circle and a blue star.", Phrasing.Describe([O(ShapeKind.Circle, ObjectColor.Red), O(ShapeKind.Star, ObjectColor.Blue)]).Answer);
        Assert.Equal("There is a red circle, a blue star and a green square.",
            Phrasing.Describe([O(ShapeKind.Circle, ObjectColor.Red), O(ShapeKind.Star, ObjectColor.Blue), O(ShapeKind.Square, ObjectColor.Green)]).Answer);
        Assert.Equal(("Which objects are red?", "The circle is red."), Phrasing.ColorGroup(ObjectColor.Red, [ShapeKind.Circle]));
        Assert.Equal("The circle and the star are red.", Phrasing.ColorGroup(ObjectColor.Red, [ShapeKind.Circle, ShapeKind.Star]).Answer);
        Assert.Equal("The circle, the star and the square are red.", Phrasing.ColorGroup(ObjectColor.Red, [ShapeKind.Circle, ShapeKind.Star, ShapeKind.Square]).Answer);
    }

    [Fact]
    public void ColorGroupScenesOftenHoldSeveralObjectsOfTheAskedColour()
    {
        var items = Enumerable.Range(0, 400).Select(i => Generator.Generate(DatasetSplits.Seed(DatasetSplit.Train, i), QuestionKind.ColorGroup)).ToList();
        double several = items.Count(i => i.EvidenceObjects.Count >= 2) / (double)items.Count;
        Assert.InRange(several, 0.4, 0.6);
        // Follow-up questions (training's) ask only about colours the scene holds.
        var rng = new Random(1);
        foreach (var item in items.Take(50))
            Assert.NotEmpty(SceneQuestions.Random(item.Scene, QuestionKind.ColorGroup, rng)!.EvidenceObjects);
    }

    [Fact]
    public void ScenesFollowTheModelsSize()
    {
        // A deep model's folder (192 px, 32 px patches) gives 6 × 6 scenes; the default model's the default; a model
        // with small patches (a real checkpoint) or no config the default too.
        using var folder = new TempFolder();
        Glimpse.Demo.ModelFiles.DemoModelShape.Deep.WriteModelFiles(folder.Path);
        var deep = SceneOptions.ForModel(folder.Path);
        Assert.Equal((192, 192, 32), (deep.Width, deep.Height, deep.CellSize));
        var items = Enumerable.Range(0, 50).Select(i => new SceneGenerator(deep).Generate(DatasetSplits.Seed(DatasetSplit.Test, i))).ToList();
        Assert.All(items, i => Assert.Equal((192, 32), (i.Scene.Width, i.Scene.CellSize)));
        Assert.Contains(items, i => i.Scene.Objects.Any(o => o.X > 128 || o.Y > 128));

        using var small = new TempFolder();
        (Glimpse.Demo.ModelFiles.DemoModelShape.Deep with { ImageSize = 336, PatchSize = 14 }).WriteModelFiles(small.Path);
        Assert.Equal(new SceneOptions(), SceneOptions.ForModel(small.Path));
        using var empty = new TempFolder();
        Assert.Equal(new SceneOptions(), SceneOptions.ForModel(empty.Path));

        // The synthetic eval source, asked for a model, draws its items at that model's size.
        SyntheticEvalSource.Register();
        var source = Glimpse.Core.Evaluation.EvalSources.Open(SyntheticEvalSource.Name, new Glimpse.Core.Evaluation.EvalSourceRequest(3, 0, folder.Path));
        Assert.All(source.Items, item => Assert.Equal(192, source.LoadImage(item).Width));
        Assert.Equal(192, source.LoadReference(source.Items[0])!.Width);
        var plain = Glimpse.Core.Evaluation.EvalSources.Open(SyntheticEvalSource.Name, new Glimpse.Core.Evaluation.EvalSourceRequest(3));
        Assert.Equal(128, plain.LoadImage(plain.Items[0]).Width);
    }

    [Fact]
    public void EvidenceMasksCoverTheEvidenceObjectsAndNothingElse()
    {
        foreach (var item in Items(20))
        {
            var scene = item.Scene;
            var image = SceneRenderer.Render(scene);
            var evidence = SceneRenderer.EvidenceMask(scene, item.EvidenceObjects);
            Assert.Equal(item.HasEvidence, evidence.Any(m => m));
            for (int i = 0; i < scene.Objects.Count; i++)
            {
                var own = SceneRenderer.ObjectMask(scene, i);
                int pixels = own.Count(m => m);
                Assert.True(pixels > 40, $"object {i} covers only {pixels} pixels");
                bool isEvidence = item.EvidenceObjects.Contains(i);
                int shared = own.Where((m, p) => m && evidence[p]).Count();
                Assert.Equal(isEvidence ? pixels : 0, shared);
                // The mask sits on the drawn object: pixels inside it show the paint exactly, edge pixels mostly.
                var paint = scene.Objects[i].Paint;
                var interior = Enumerable.Range(0, own.Length).Where(p => Interior(own, p, scene.Width)).ToList();
                Assert.NotEmpty(interior);
                Assert.All(interior, p => Assert.True(Distance(image, p, paint) <= 1, $"interior pixel {p} of object {i} is not its paint"));
                Assert.All(Enumerable.Range(0, own.Length).Where(p => own[p]), p => Assert.True(
                    Distance(image, p, paint) <= 0.6 * Distance(paint, scene.Background), $"mask pixel {p} of object {i} is mostly background"));
            }
            // Outside every object's mask nothing is painted in an object colour.
            var anyObject = SceneRenderer.EvidenceMask(scene, Enumerable.Range(0, scene.Objects.Count));
            for (int p = 0; p < anyObject.Length; p++)
                if (!anyObject[p]) Assert.True(scene.Objects.All(o => Distance(image, p, o.Paint) > 25), $"pixel {p} outside all masks looks like an object");
        }
    }

    private static double Distance(Glimpse.Core.Images.RgbImage image, int pixel, Rgb color) =>
        Distance(new Rgb(image.Pixels[pixel * 3], image.Pixels[pixel * 3 + 1], image.Pixels[pixel * 3 + 2]), color);

    private static double Distance(Rgb a, Rgb b) => Math.Sqrt(Math.Pow(a.R - b.R, 2) + Math.Pow(a.G - b.G, 2) + Math.Pow(a.B - b.B, 2));

    /// <summary>In the mask with all eight neighbours: fully covered by the shape.</summary>
    private static bool Interior(bool[] mask, int p, int width)
    {
        int x = p % width, y = p / width, height = mask.Length / width;
        if (x == 0 || y == 0 || x == width - 1 || y == height - 1) return false;
        for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            if (!mask[(y + dy) * width + x + dx]) return false;
        return true;
    }

    private static (double R, double G, double B) MeanColor(GroundedItem item, int index)
    {
        var image = SceneRenderer.Render(item.Scene);
        var mask = SceneRenderer.ObjectMask(item.Scene, index);
        var pixels = Enumerable.Range(0, mask.Length).Where(p => mask[p]).ToList();
        return (pixels.Average(p => image.Pixels[p * 3]), pixels.Average(p => image.Pixels[p * 3 + 1]), pixels.Average(p => image.Pixels[p * 3 + 2]));
    }

    private static ObjectColor NearestColor((double R, double G, double B) c) => ObjectColors.All.MinBy(k =>
    {
        var n = k.Nominal();
        return Math.Pow(c.R - n.R, 2) + Math.Pow(c.G - n.G, 2) + Math.Pow(c.B - n.B, 2);
    });
}
