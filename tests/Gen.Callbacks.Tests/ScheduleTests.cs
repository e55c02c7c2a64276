using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using Gen.TestSupport;
using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>
/// fastai's schedule functions (reference <c>schedules.functions</c> and the cases of nbs/14_callback.schedule):
/// plain schedules at rtol 1e-12; combined ones reproduce fastai's float32 phase arithmetic exactly in
/// <see cref="PhaseArithmetic.FastaiFloat32"/> and stay within fastai's float32 rounding in the exact default.
/// </summary>
public class ScheduleTests
{
    public static bool IsScheduleNotebook(JsonNode c) => c["source"]!.GetValue<string>().Contains("14_callback.schedule");

    public static IEnumerable<object[]> Functions() =>
        from file in ReferenceFiles.All
        where file.Root["schedules"]?["functions"] is not null
        from kind in new[] { "values", "combined_values" }
        from entry in file.Root["schedules"]!["functions"]![kind]!.AsObject()
        select new object[] { file.Name, kind, entry.Key };

    [Theory]
    [MemberData(nameof(Functions))]
    public void Schedule_function_matches_fastai(string file, string kind, string name)
    {
        var functions = ReferenceFiles.All.Single(f => f.Name == file).Root["schedules"]!["functions"]!;
        var positions = Doubles(functions["positions"]!);
        var expected = Doubles(functions[kind]![name]!);
        bool combined = kind == "combined_values";
        var fastai = (Schedule)ScheduleExpression.Parse(name, PhaseArithmetic.FastaiFloat32);
        var exact = (Schedule)ScheduleExpression.Parse(name);
        for (int k = 0; k < positions.Length; k++)
        {
            AssertClose(expected[k], fastai(positions[k]), 1e-12, $"{name} at {positions[k]}");
            AssertClose(expected[k], exact(positions[k]), combined ? 1e-5 : 1e-12, $"{name} (exact) at {positions[k]}");
        }
    }

    public static IEnumerable<object[]> NotebookCases() =>
        from file in ReferenceFiles.All
        where file.Root["notebook_cases"] is not null
        from c in file.Root["notebook_cases"]!.AsArray()
        where IsScheduleNotebook(c!)
        select new object[] { file.Name, c!["what"]!.GetValue<string>() };

    [Theory]
    [MemberData(nameof(NotebookCases))]
    public void Schedule_notebook_case_matches_fastai(string file, string what)
    {
        var c = ReferenceFiles.All.Single(f => f.Name == file).Root["notebook_cases"]!.AsArray().First(x => x!["what"]!.GetValue<string>() == what)!;
        var expression = what.Split(" at pos ")[0].Replace(" (per-group arrays)", "");
        var schedule = ScheduleExpression.Parse(expression, PhaseArithmetic.FastaiFloat32);
        var groups = schedule as Schedule[] ?? [(Schedule)schedule];
        var positions = Doubles(c["inputs"]!["pos"]!);
        var expected = c["fastai_float64"]!.AsArray();
        for (int k = 0; k < positions.Length; k++)
            for (int g = 0; g < groups.Length; g++)
            {
                var want = schedule is Schedule[] ? expected[k]![g]!.GetValue<double>() : expected[k]!.GetValue<double>();
                AssertClose(want, groups[g](positions[k]), 1e-12, $"{what} at {positions[k]}, group {g}");
            }
    }

    [Fact]
    public void A_position_on_a_phase_boundary_starts_the_next_phase()
    {
        // SGDR's third cycle starts at 12/28 = 1/7 + 2/7; fastai's float32 boundary lands one iteration late.
        var sgdr = Schedules.CombineScheds([1 / 7.0, 2 / 7.0, 4 / 7.0], Enumerable.Repeat(Schedules.SchedCos(0.01, 0), 3).ToList());
        Assert.Equal(0.01, sgdr(12 / 28.0));
        Assert.Throws<ArgumentException>(() => Schedules.CombineScheds([0.5, 0.4], [Schedules.SchedLin(0, 1), Schedules.SchedLin(1, 0)]));
    }

    internal static double[] Doubles(JsonNode node) => node.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    internal static void AssertClose(double expected, double actual, double rtol, string what) =>
        Assert.True(Math.Abs(actual - expected) <= rtol * Math.Abs(expected) + 1e-300 || actual == expected,
            $"{what}: {actual:R}, fastai {expected:R} (rtol {rtol})");
}
