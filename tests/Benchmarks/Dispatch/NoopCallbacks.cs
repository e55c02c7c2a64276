using Gen;

namespace Benchmarks.Dispatch;

/// <summary>
/// A callback that handles every event of a training batch and does nothing: dispatch cost alone.
/// Generic over a tag so that a pipeline can hold K distinct callback types.
/// </summary>
public sealed partial class Noop<TTag> : Callback
{
    [Event] void BeforeBatch() { }
    [Event] void AfterPred() { }
    [Event] void AfterLoss() { }
    [Event] void BeforeBackward() { }
    [Event] void AfterBackward() { }
    [Event] void BeforeStep() { }
    [Event] void AfterStep() { }
    [Event] void AfterBatch() { }
}

public struct T0; public struct T1; public struct T2; public struct T3; public struct T4; public struct T5; public struct T6; public struct T7; public struct T8; public struct T9;
public struct T10; public struct T11; public struct T12; public struct T13; public struct T14; public struct T15; public struct T16; public struct T17; public struct T18; public struct T19;
public struct T20; public struct T21; public struct T22; public struct T23; public struct T24; public struct T25; public struct T26; public struct T27; public struct T28; public struct T29;
public struct T30; public struct T31; public struct T32; public struct T33; public struct T34; public struct T35; public struct T36; public struct T37; public struct T38; public struct T39;
public struct T40; public struct T41; public struct T42; public struct T43; public struct T44; public struct T45; public struct T46; public struct T47; public struct T48; public struct T49;

[Pipeline(typeof(Noop<T0>))]
public sealed partial class Pipeline1;

[Pipeline(typeof(Noop<T0>), typeof(Noop<T1>), typeof(Noop<T2>), typeof(Noop<T3>), typeof(Noop<T4>), typeof(Noop<T5>), typeof(Noop<T6>), typeof(Noop<T7>), typeof(Noop<T8>), typeof(Noop<T9>))]
public sealed partial class Pipeline10;

[Pipeline(
    typeof(Noop<T0>), typeof(Noop<T1>), typeof(Noop<T2>), typeof(Noop<T3>), typeof(Noop<T4>), typeof(Noop<T5>), typeof(Noop<T6>), typeof(Noop<T7>), typeof(Noop<T8>), typeof(Noop<T9>),
    typeof(Noop<T10>), typeof(Noop<T11>), typeof(Noop<T12>), typeof(Noop<T13>), typeof(Noop<T14>), typeof(Noop<T15>), typeof(Noop<T16>), typeof(Noop<T17>), typeof(Noop<T18>), typeof(Noop<T19>),
    typeof(Noop<T20>), typeof(Noop<T21>), typeof(Noop<T22>), typeof(Noop<T23>), typeof(Noop<T24>), typeof(Noop<T25>), typeof(Noop<T26>), typeof(Noop<T27>), typeof(Noop<T28>), typeof(Noop<T29>),
    typeof(Noop<T30>), typeof(Noop<T31>), typeof(Noop<T32>), typeof(Noop<T33>), typeof(Noop<T34>), typeof(Noop<T35>), typeof(Noop<T36>), typeof(Noop<T37>), typeof(Noop<T38>), typeof(Noop<T39>),
    typeof(Noop<T40>), typeof(Noop<T41>), typeof(Noop<T42>), typeof(Noop<T43>), typeof(Noop<T44>), typeof(Noop<T45>), typeof(Noop<T46>), typeof(Noop<T47>), typeof(Noop<T48>), typeof(Noop<T49>))]
public sealed partial class Pipeline50;
