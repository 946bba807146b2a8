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
