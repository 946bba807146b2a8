namespace Glimpse.Demo.Questions;

/// <summary>What a question asks; each needs specific objects to answer.</summary>
public enum QuestionKind
{
    /// <summary>"What color is the triangle?" (exactly one triangle).</summary>
    Color,
    /// <summary>"What shape is the blue object?" (exactly one blue object).</summary>
    Shape,
    /// <summary>"Which object is left of the red circle?" (exactly one object on that side, none in between).</summary>
    Relation,
    /// <summary>"How many squares are there?" (zero to four).</summary>
    Count,
    /// <summary>"Is there a yellow star?" (yes or no).</summary>
    Exist,
}

/// <summary>Where one object lies relative to another, with a margin (see <see cref="SpatialRelations"/>).</summary>
public enum SpatialRelation { LeftOf, RightOf, Above, Below }

public static class QuestionKinds
{
    public static IReadOnlyList<QuestionKind> All { get; } = Enum.GetValues<QuestionKind>();

    /// <summary>The name used in dataset tags and reports.</summary>
    public static string Tag(this QuestionKind kind) => kind.ToString().ToLowerInvariant();
}
